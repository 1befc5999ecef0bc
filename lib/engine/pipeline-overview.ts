// The pipeline at a glance, as `lethe status` and the status page show it: the pause switch
// and each part's state, the dead-letter queue's depth, how far the sweeper's watermarks trail
// the tombstones now, and the last sweeper run. Reads a handful of items (two per shard, one
// tombstone per lagging shard) and one queue attribute call: cheap enough to poll.

import type { StateContext } from '../model/state-context.js';
import { stateKeys } from '../model/state-keys.js';
import { readLastSweep, type SweepRecord } from '../model/sweep-record.js';
import { getShardCounter } from '../model/tombstones.js';
import { getWatermark } from '../model/watermarks.js';
import type { PipelineSwitch } from '../ports/pipeline-switch.js';
import type { QueueConsumer } from '../ports/queue-consumer.js';
import { type PipelineStatus, pipelineStatus } from './pause-pipeline.js';

/** The dead-letter queue's approximate depth (messages). */
export interface DeadLetterDepth {
  readonly visible: number;
  readonly inFlight: number;
}

/** How far the sweeper trails the tombstones, read now from watermarks and counters. */
export interface SweeperLag {
  /** Highest tombstone sequence minus the watermark, summed over shards. */
  readonly lag: number;
  /** Age in seconds of the oldest tombstone past a watermark; 0 when none is pending. */
  readonly oldestPendingTombstoneAgeSeconds: number;
  /** The oldest pending tombstone's deletion time (ISO-8601), when one is pending. */
  readonly oldestPendingTombstoneAt?: string | undefined;
}

export interface PipelineOverview extends PipelineStatus {
  /** Undefined when no dead-letter queue is known (a deployed pipeline without --dlq-url). */
  readonly deadLetters?: DeadLetterDepth | undefined;
  readonly sweeper: SweeperLag & {
    /** The last recorded sweeper run; undefined when none ran on this state table yet. */
    readonly lastSweep?: SweepRecord | undefined;
  };
}

export interface OverviewOptions {
  readonly state: StateContext;
  /** Tombstone shards of the pipeline (settings.shards). */
  readonly shards: number;
  readonly pipelineSwitch?: PipelineSwitch | undefined;
  /** With both given, the dead-letter queue's depth is read. */
  readonly queues?: QueueConsumer | undefined;
  readonly deadLetterQueueUrl?: string | undefined;
  /** Whose watermarks count (default: `main`, the deployed sweeper's). */
  readonly sweeper?: string;
}

/**
 * Reads the overview. Errors of the state table or the queue propagate (an unreachable stack
 * or a table the credentials cannot read is for the caller to say); nothing is written.
 */
export async function pipelineOverview(options: OverviewOptions): Promise<PipelineOverview> {
  const { state } = options;
  const [status, deadLetters, lag, lastSweep] = await Promise.all([
    pipelineStatus(state, options.pipelineSwitch),
    options.queues && options.deadLetterQueueUrl
      ? options.queues.depth(options.deadLetterQueueUrl)
      : Promise.resolve(undefined),
    sweeperLag(state, options.shards, options.sweeper ?? 'main'),
    readLastSweep(state),
  ]);
  return {
    ...status,
    deadLetters: deadLetters && { visible: deadLetters.visible, inFlight: deadLetters.inFlight },
    sweeper: { ...lag, lastSweep },
  };
}

async function sweeperLag(state: StateContext, shards: number, sweeper: string) {
  const perShard = await Promise.all(
    Array.from({ length: shards }, async (_, shard) => {
      const [watermark, { seq: highest }] = await Promise.all([
        getWatermark(state, sweeper, shard),
        getShardCounter(state, shard),
      ]);
      if (highest <= watermark) return { lag: 0, oldest: undefined };
      const next = await state.docs.get(state.table, stateKeys.tombstone(shard, watermark + 1));
      // A tombstone's deletion time, or when a void was written in a number's place.
      const at = next?.deletedAt ?? next?.voidedAt;
      return { lag: highest - watermark, oldest: typeof at === 'string' ? at : undefined };
    }),
  );
  const oldest = perShard
    .map((s) => s.oldest)
    .filter((at): at is string => at !== undefined)
    .sort()[0];
  const ageSeconds = oldest
    ? Math.max(0, Math.round((state.now().getTime() - Date.parse(oldest)) / 1000))
    : 0;
  return {
    lag: perShard.reduce((sum, s) => sum + s.lag, 0),
    oldestPendingTombstoneAgeSeconds: ageSeconds,
    oldestPendingTombstoneAt: oldest,
  } satisfies SweeperLag;
}
