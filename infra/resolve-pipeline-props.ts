// Validates DeletionPipeline props against AWS limits and against the graph, before anything
// is created, and reports every problem in one error. Returns the props with defaults filled in.
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { type Duration, Token } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';
import { LetheError } from '../lib/errors.js';
import { graphDifferences, graphFingerprint } from '../lib/graph/graph-fingerprint.js';
import { GraphModuleError } from '../lib/graph/graph-module.js';
import type { Graph, TableDefinition } from '../lib/graph/graph-types.js';
import { tableKeyType } from '../lib/graph/key-types.js';
import { settingsSchema } from '../lib/settings.js';
import { longestBackupRetention } from './backup-retention.js';
import type { AlarmThresholds, DeletionPipelineProps } from './deletion-pipeline-props.js';
import { shipsHandler } from './handler-entry.js';
import { loadGraphModuleSync } from './load-graph-module-sync.js';
import { AWS_LIMITS, PIPELINE_DEFAULTS } from './secure-defaults.js';

/** DeletionPipeline props that cannot work; `problems` lists each one. */
export class PipelinePropsError extends LetheError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(
      'PIPELINE_PROPS_INVALID',
      `invalid DeletionPipeline props:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    this.name = 'PipelinePropsError';
    this.problems = problems;
  }
}

export interface ResolvedPipelineProps {
  readonly graph: Graph;
  readonly graphModule: string;
  readonly graphExport: string;
  readonly tables: Readonly<Record<string, dynamodb.ITable>>;
  readonly buckets: Readonly<Record<string, s3.IBucket>>;
  readonly sweepSchedule: events.Schedule;
  readonly workerBatchSize: number;
  readonly maxBatchingWindow: Duration | undefined;
  readonly workerMaxConcurrency: number;
  readonly workerTimeout: Duration;
  readonly sweeperTimeout: Duration;
  readonly visibilityTimeoutSeconds: number;
  readonly memorySize: number;
  readonly shards: number;
  readonly pageSize: number;
  readonly prefixPagesPerUnit: number;
  readonly inlineUnitsPerMessage: number;
  readonly rowsInSettleMax: number;
  readonly holdsMaxAgeMs: number;
  readonly tombstoneRetentionDays: number;
  readonly restoreWindowDays: number;
  /** How long receipts and their leaves are kept (the settings' default; no prop yet). */
  readonly receiptRetentionDays: number;
  readonly defaultDeadlineDays: number;
  readonly maxReceiveCount: number;
  readonly verifyAfterMinutes: number;
  readonly verifyRequestsPerSecond: number;
  readonly alarmThresholds: Required<AlarmThresholds>;
  readonly rootStreams: readonly string[];
  readonly childStreams: readonly string[];
  readonly ttlRemovalsStartDeletions: boolean;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const MODULE_EXTENSION = /\.(m?[jt]s|cjs|cts)$/;

function isWholeNumberIn(value: number, min: number, max: number): boolean {
  return Number.isInteger(value) && value >= min && value <= max;
}

/** The physical name a table or bucket construct will have, when it is known at synth time. */
function physicalName(resource: IConstruct, name: string): string | undefined {
  if (!Token.isUnresolved(name)) return name;
  const cfn = resource.node.defaultChild;
  const declared =
    cfn instanceof dynamodb.CfnTable || cfn instanceof dynamodb.CfnGlobalTable
      ? cfn.tableName
      : cfn instanceof s3.CfnBucket
        ? cfn.bucketName
        : undefined;
  return typeof declared === 'string' && !Token.isUnresolved(declared) ? declared : undefined;
}

function checkGraphModule(props: DeletionPipelineProps, problems: string[]): void {
  const module = props.graphModule;
  const found = problems.length;
  if (!path.isAbsolute(module)) {
    problems.push(`graphModule: "${module}" is not an absolute path`);
  } else if (!existsSync(module) || !statSync(module).isFile()) {
    problems.push(`graphModule: "${module}" does not exist`);
  } else if (!MODULE_EXTENSION.test(module)) {
    problems.push(`graphModule: "${module}" is not a TypeScript or JavaScript module`);
  }
  const exportName = props.graphExport ?? 'graph';
  if (!IDENTIFIER.test(exportName)) {
    problems.push(`graphExport: "${exportName}" is not an identifier`);
    return;
  }
  if (problems.length > found) return;
  checkModuleGraph(props, exportName, problems);
}

/**
 * The functions run the graph the module exports; the construct provisions and grants for
 * `props.graph`. Both must be usable and the same, or a deploy fails later, or worse, runs.
 */
function checkModuleGraph(
  props: DeletionPipelineProps,
  exportName: string,
  problems: string[],
): void {
  let exported: Graph;
  try {
    exported = loadGraphModuleSync(props.graphModule, exportName);
  } catch (error) {
    if (!(error instanceof GraphModuleError)) throw error;
    for (const problem of error.problems) {
      problems.push(`graphModule: "${props.graphModule}" ${problem}`);
    }
    return;
  }
  const given = graphFingerprint(props.graph);
  const bundled = graphFingerprint(exported);
  if (given !== bundled) {
    const where = graphDifferences(props.graph, exported);
    problems.push(
      `graph: differs from \`${exportName}\` of "${props.graphModule}" (fingerprint ${given}, the module's ${bundled}${where.length > 0 ? `; differs in ${where.join(', ')}` : ''}): the functions would run the module's graph while the construct provisions and grants for this one; pass the graph the module exports`,
    );
  }
}

/**
 * A key the table stores as a Number but the graph declares a string (or the reverse) makes
 * every query and delete on it fail at run time: say so at synth. Only a Table made in this
 * app knows its schema; an imported one is taken as declared.
 */
function checkKeyTypes(
  key: string,
  table: dynamodb.Table,
  declared: TableDefinition,
  problems: string[],
): void {
  const schemas: { where: string; schema: dynamodb.KeySchema }[] = [
    { where: '', schema: table.schemaV2() },
  ];
  for (const index of Object.keys(declared.indexes ?? {})) {
    try {
      schemas.push({ where: ` index "${index}"`, schema: table.schemaV2(index) });
    } catch {
      // An index the table lacks is not a key-type question; the table is taken as it is.
    }
  }
  for (const { where, schema } of schemas) {
    for (const attribute of [...schema.partitionKeys, ...schema.sortKeys]) {
      const actual = cdkKeyType(attribute.type);
      const expected = tableKeyType(declared, attribute.name);
      if (actual !== expected) {
        problems.push(
          `tables.${key}:${where} key "${attribute.name}" is a ${actual} in the table, but the graph declares it a ${expected} (keyTypes of table "${key}")`,
        );
      }
    }
  }
}

function cdkKeyType(type: dynamodb.AttributeType): string {
  switch (type) {
    case dynamodb.AttributeType.NUMBER:
      return 'number';
    case dynamodb.AttributeType.STRING:
      return 'string';
    default:
      return 'binary';
  }
}

function checkResources(props: DeletionPipelineProps, problems: string[]): void {
  const { graph } = props;
  for (const [key, table] of Object.entries(props.tables ?? {})) {
    const declared = Object.hasOwn(graph.tables, key) ? graph.tables[key] : undefined;
    if (declared === undefined) {
      problems.push(
        `tables.${key}: the graph declares no table "${key}" (declared: ${Object.keys(graph.tables).join(', ')})`,
      );
      continue;
    }
    const name = physicalName(table, table.tableName);
    if (name === undefined) {
      problems.push(
        `tables.${key}: the table's name is generated; give it tableName "${declared.name}" as the graph declares`,
      );
    } else if (name !== declared.name) {
      problems.push(
        `tables.${key}: the table is named "${name}", but the graph declares "${declared.name}"`,
      );
    }
    if (table instanceof dynamodb.Table) checkKeyTypes(key, table, declared, problems);
  }
  for (const [key, bucket] of Object.entries(props.buckets ?? {})) {
    const declared = Object.hasOwn(graph.buckets, key) ? graph.buckets[key] : undefined;
    if (declared === undefined) {
      problems.push(
        `buckets.${key}: the graph declares no bucket "${key}" (declared: ${Object.keys(graph.buckets).join(', ') || 'none'})`,
      );
      continue;
    }
    const name = physicalName(bucket, bucket.bucketName);
    if (name === undefined) {
      problems.push(
        `buckets.${key}: the bucket's name is generated; give it bucketName "${declared.name}" as the graph declares`,
      );
    } else if (name !== declared.name) {
      problems.push(
        `buckets.${key}: the bucket is named "${name}", but the graph declares "${declared.name}"`,
      );
    }
  }
}

function checkStreams(
  props: DeletionPipelineProps,
  field: 'rootStreams' | 'childStreams',
  problems: string[],
): void {
  const { graph } = props;
  const names = props[field] ?? [];
  if (field === 'childStreams' && names.length > 0 && !shipsHandler('stream-consumer')) {
    problems.push(
      'childStreams: this version of lethe has no stream consumer yet (functions/stream-consumer.ts)',
    );
  }
  const seen = new Set<string>();
  for (const name of names) {
    const entity = Object.hasOwn(graph.entities, name) ? graph.entities[name] : undefined;
    if (entity === undefined) {
      problems.push(
        `${field}: unknown entity "${name}" (known: ${Object.keys(graph.entities).join(', ')})`,
      );
      continue;
    }
    if (seen.has(name)) problems.push(`${field}: "${name}" is listed twice`);
    seen.add(name);
    if (field === 'rootStreams' && entity.parents.length > 0) {
      problems.push(
        `rootStreams: "${name}" has parents; only root entities can start deletions from their stream, or lethe's own deletes of ${name} rows would come back as new jobs`,
      );
    }
    if (field === 'rootStreams' && entity.sortKey !== undefined) {
      problems.push(
        `rootStreams: table "${entity.table}" of "${name}" has a sort key; a REMOVE deletes one item of the partition, not the entity`,
      );
    }
    const table = props.tables?.[entity.table];
    if (table === undefined) {
      problems.push(
        `${field}: "${name}" needs its table: pass tables.${entity.table} as a construct with a stream`,
      );
    } else if (table.tableStreamArn === undefined) {
      problems.push(
        `${field}: tables.${entity.table} has no stream; enable one (NEW_AND_OLD_IMAGES), or import it with tableStreamArn`,
      );
    }
  }
}

export function resolvePipelineProps(props: DeletionPipelineProps): ResolvedPipelineProps {
  const problems: string[] = [];
  const D = PIPELINE_DEFAULTS;
  checkGraphModule(props, problems);
  checkResources(props, problems);
  checkStreams(props, 'rootStreams', problems);
  checkStreams(props, 'childStreams', problems);

  const batchSize = props.workerBatchSize ?? D.workerBatchSize;
  if (!isWholeNumberIn(batchSize, 1, AWS_LIMITS.sqsBatchSize)) {
    problems.push(
      `workerBatchSize: ${batchSize} is not a whole number from 1 to ${AWS_LIMITS.sqsBatchSize}`,
    );
  } else if (batchSize > AWS_LIMITS.sqsBatchSizeWithoutWindow && !props.maxBatchingWindow) {
    problems.push(
      `workerBatchSize: ${batchSize} records a batch needs a maxBatchingWindow (SQS allows at most ${AWS_LIMITS.sqsBatchSizeWithoutWindow} without one)`,
    );
  }
  const windowSeconds = props.maxBatchingWindow?.toSeconds();
  if (windowSeconds !== undefined && windowSeconds > AWS_LIMITS.maxBatchingWindowSeconds) {
    problems.push(
      `maxBatchingWindow: ${windowSeconds} s is more than ${AWS_LIMITS.maxBatchingWindowSeconds} s`,
    );
  }
  const concurrency = props.workerMaxConcurrency ?? D.workerMaxConcurrency;
  const { min: minConcurrency, max: maxConcurrency } = AWS_LIMITS.sqsMaxConcurrency;
  if (!isWholeNumberIn(concurrency, minConcurrency, maxConcurrency)) {
    problems.push(
      `workerMaxConcurrency: ${concurrency} is not a whole number from ${minConcurrency} to ${maxConcurrency}`,
    );
  }

  const workerTimeout = props.workerTimeout ?? D.workerTimeout;
  const sweeperTimeout = props.sweeperTimeout ?? D.sweeperTimeout;
  for (const [field, timeout] of [
    ['workerTimeout', workerTimeout],
    ['sweeperTimeout', sweeperTimeout],
  ] as const) {
    const seconds = timeout.toSeconds();
    if (seconds < 1 || seconds > AWS_LIMITS.lambdaTimeoutSeconds) {
      problems.push(
        `${field}: ${seconds} s is outside Lambda's 1–${AWS_LIMITS.lambdaTimeoutSeconds} s`,
      );
    }
  }
  const minimumVisibility = D.visibilityTimeoutFactor * workerTimeout.toSeconds();
  const visibility = props.visibilityTimeout?.toSeconds() ?? minimumVisibility;
  if (minimumVisibility > AWS_LIMITS.sqsVisibilityTimeoutSeconds) {
    problems.push(
      `workerTimeout: ${D.visibilityTimeoutFactor} × ${workerTimeout.toSeconds()} s is more than SQS's longest visibility timeout (${AWS_LIMITS.sqsVisibilityTimeoutSeconds} s)`,
    );
  } else if (visibility < minimumVisibility) {
    problems.push(
      `visibilityTimeout: ${visibility} s is less than ${D.visibilityTimeoutFactor} × workerTimeout (${minimumVisibility} s); a slow unit would be handled twice at once`,
    );
  } else if (visibility > AWS_LIMITS.sqsVisibilityTimeoutSeconds) {
    problems.push(
      `visibilityTimeout: ${visibility} s is more than ${AWS_LIMITS.sqsVisibilityTimeoutSeconds} s`,
    );
  }

  const memorySize = props.memorySize ?? D.memorySize;
  if (!isWholeNumberIn(memorySize, AWS_LIMITS.memorySize.min, AWS_LIMITS.memorySize.max)) {
    problems.push(
      `memorySize: ${memorySize} is not a whole number of MB from ${AWS_LIMITS.memorySize.min} to ${AWS_LIMITS.memorySize.max}`,
    );
  }

  const retention = props.tombstoneRetention ?? D.tombstoneRetention;
  const retentionDays = retention.toDays({ integral: false });
  const backups = longestBackupRetention(props.tables ?? {}, props.backupRetention);
  if (backups !== undefined && retentionDays < backups.days) {
    problems.push(
      `tombstoneRetention: ${retentionDays} days is shorter than the ${backups.days} days of ${backups.source}; a table restored from that far back would bring back rows whose tombstones are gone, and \`lethe replay\` could not erase them again: set tombstoneRetention to at least Duration.days(${Math.ceil(backups.days)})`,
    );
  }
  const deadlineDays = (props.defaultDeadline ?? D.defaultDeadline).toDays({ integral: false });
  // The same bounds the engine enforces at cold start, checked here to fail at synth instead.
  const settings = settingsSchema.safeParse({
    shards: props.shards,
    pageSize: props.pageSize,
    prefixPagesPerUnit: props.prefixPagesPerUnit,
    inlineUnitsPerMessage: props.inlineUnitsPerMessage,
    rowsInSettleMax: props.rowsInSettleMax,
    holdsMaxAgeMs: props.holdsMaxAgeMs,
    maxReceiveCount: props.maxReceiveCount,
    tombstoneRetentionDays: retentionDays,
    restoreWindowDays: (props.restoreWindow ?? D.restoreWindow).toDays({ integral: false }),
    defaultDeadlineDays: deadlineDays,
    visibilityTimeoutSeconds: visibility,
    verifyAfterMinutes: props.verifyAfterMinutes,
    verifyRequestsPerSecond: props.verifyRequestsPerSecond,
  });
  const fieldOf: Record<string, string> = {
    tombstoneRetentionDays: 'tombstoneRetention (days)',
    restoreWindowDays: 'restoreWindow (days)',
    defaultDeadlineDays: 'defaultDeadline (days)',
    visibilityTimeoutSeconds: 'visibilityTimeout (seconds)',
  };
  if (!settings.success) {
    for (const issue of settings.error.issues) {
      const key = String(issue.path[0]);
      if (key === 'visibilityTimeoutSeconds') continue; // reported above, in AWS's terms
      problems.push(`${fieldOf[key] ?? key}: ${issue.message}`);
    }
  }

  const thresholds = { ...D.alarmThresholds, ...props.alarmThresholds };
  for (const [key, value] of Object.entries(thresholds)) {
    if (!(Number.isFinite(value) && value > 0)) {
      problems.push(`alarmThresholds.${key}: ${value} is not a positive number`);
    }
  }
  if (props.serviceName !== undefined && !/^[A-Za-z0-9_.-]{1,128}$/.test(props.serviceName)) {
    problems.push(
      `serviceName: "${props.serviceName}" must be 1–128 letters, digits, "_", "." or "-"`,
    );
  }
  for (const source of props.eventSources ?? []) {
    if (source.trim() === '') problems.push('eventSources: an empty source matches nothing');
  }

  if (problems.length > 0 || !settings.success) throw new PipelinePropsError(problems);
  return {
    graph: props.graph,
    graphModule: props.graphModule,
    graphExport: props.graphExport ?? 'graph',
    tables: props.tables ?? {},
    buckets: props.buckets ?? {},
    sweepSchedule: props.sweepSchedule ?? D.sweepSchedule(),
    workerBatchSize: batchSize,
    maxBatchingWindow: props.maxBatchingWindow,
    workerMaxConcurrency: concurrency,
    workerTimeout,
    sweeperTimeout,
    visibilityTimeoutSeconds: visibility,
    memorySize,
    shards: settings.data.shards,
    pageSize: settings.data.pageSize,
    prefixPagesPerUnit: settings.data.prefixPagesPerUnit,
    inlineUnitsPerMessage: settings.data.inlineUnitsPerMessage,
    rowsInSettleMax: settings.data.rowsInSettleMax,
    holdsMaxAgeMs: settings.data.holdsMaxAgeMs,
    tombstoneRetentionDays: settings.data.tombstoneRetentionDays,
    restoreWindowDays: settings.data.restoreWindowDays,
    receiptRetentionDays: settings.data.receiptRetentionDays,
    defaultDeadlineDays: settings.data.defaultDeadlineDays,
    maxReceiveCount: settings.data.maxReceiveCount,
    verifyAfterMinutes: settings.data.verifyAfterMinutes,
    verifyRequestsPerSecond: settings.data.verifyRequestsPerSecond,
    alarmThresholds: thresholds,
    rootStreams: props.rootStreams ?? [],
    childStreams: props.childStreams ?? [],
    ttlRemovalsStartDeletions: props.ttlRemovalsStartDeletions ?? true,
  };
}
