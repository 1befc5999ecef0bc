// Keys of every item in the single state table (pk/sk, TTL attribute `expiresAt`).
// The item shapes themselves are documented next to the code that writes them:
// tombstones.ts, jobs.ts, units.ts, scopes.ts, intents.ts, holds.ts.

export const TTL_ATTRIBUTE = 'expiresAt';

const pad = (n: number) => String(n).padStart(12, '0');

export const stateKeys = {
  /** Per-shard sequence counter: { seq } */
  shardCounter: (shard: number) => ({ pk: `SHARD#${shard}`, sk: 'COUNTER' }),
  /** Tombstone in sequence order within its shard. */
  tombstone: (shard: number, seq: number) => ({ pk: `TOMB#${shard}`, sk: `SEQ#${pad(seq)}` }),
  tombstoneSeqSortKey: (seq: number) => `SEQ#${pad(seq)}`,
  tombstonePartition: (shard: number) => `TOMB#${shard}`,
  /** Tombstone lookup by entity and id: what writers' condition checks read. */
  tombstoneLookup: (entity: string, id: string) => ({
    pk: `DELETED#${entity}#${id}`,
    sk: 'TOMBSTONE',
  }),
  job: (jobId: string) => ({ pk: `JOB#${jobId}`, sk: 'JOB' }),
  unit: (jobId: string, unitId: string) => ({ pk: `JOB#${jobId}`, sk: `UNIT#${unitId}` }),
  scope: (jobId: string, scopeId: string) => ({ pk: `JOB#${jobId}`, sk: `SCOPE#${scopeId}` }),
  intent: (jobId: string, unitId: string) => ({ pk: `JOB#${jobId}`, sk: `INTENT#${unitId}` }),
  /** The latest follow-up job of one entity id this job deleted: { latestJobId, count }. */
  followUp: (jobId: string, entity: string, id: string) => ({
    pk: `JOB#${jobId}`,
    sk: `FOLLOWUP#${entity}#${id}`,
  }),
  /** A unit of another job waiting on this job's finalize of an entity (deferrals.ts). */
  waiter: (ownerJobId: string, entity: string, id: string, jobId: string) => ({
    pk: `JOB#${ownerJobId}`,
    sk: `WAITER#${entity}#${id}#${jobId}`,
  }),
  waiterPrefix: (entity: string, id: string) => `WAITER#${entity}#${id}#`,
  /** Completion event waiting to be published (outbox). */
  outboxEvent: (jobId: string, name: string) => ({ pk: `JOB#${jobId}`, sk: `EVENT#${name}` }),
  jobPartition: (jobId: string) => `JOB#${jobId}`,
  /** Per sweeper and shard: the last tombstone sequence fully dispatched. */
  watermark: (sweeper: string, shard: number) => ({
    pk: `WATERMARK#${sweeper}`,
    sk: `SHARD#${shard}`,
  }),
  /** Legal holds, all in one small partition: a unit reads them with one Query. */
  holdPartition: () => 'HOLDS',
  entityHold: (entity: string, id: string) => ({ pk: 'HOLDS', sk: `HOLD#entity#${entity}#${id}` }),
  tenantHold: (tenantId: string) => ({ pk: 'HOLDS', sk: `HOLD#tenant#${tenantId}` }),
  /** Operator switches (pause). */
  control: () => ({ pk: 'CONTROL', sk: 'PAUSE' }),
  /** What the local runtime applied after following the pause switch. */
  localRuntime: () => ({ pk: 'CONTROL', sk: 'LOCAL_RUNTIME' }),
  /** The last sweeper run's report (sweep-record.ts). */
  lastSweep: () => ({ pk: 'CONTROL', sk: 'LAST_SWEEP' }),
} as const;

/** gsi1 partitions used to find work without scanning. */
export const stateIndex = {
  name: 'gsi1',
  /** Jobs by status, newest first: gsi1pk = JOBS#<status>, gsi1sk = createdAt#jobId */
  jobsByStatus: (status: string) => `JOBS#${status}`,
  /** Units waiting to be run, oldest first: gsi1pk = PENDING#<n>, gsi1sk = plannedAt */
  pendingUnits: (bucket: number) => `PENDING#${bucket}`,
  /** Intents by age, oldest first: gsi1pk = INTENTS#<n>, gsi1sk = createdAt */
  intents: (bucket: number) => `INTENTS#${bucket}`,
  /** Events written with a completion, until published: gsi1pk = OUTBOX, gsi1sk = createdAt */
  outbox: () => 'OUTBOX',
} as const;

export const PENDING_BUCKETS = 4;
