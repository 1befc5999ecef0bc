// Helpers for the engine's integration tests: run a pipeline's queue until the job reaches a
// state (a job that waits on its guards does not complete), fault injection on the real S3
// client, and an independent count of what the target tenant still has.
import {
  type DeleteObjectsCommandInput,
  type DeleteObjectsCommandOutput,
  type S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { planned } from '../../../lib/engine/commit-unit.js';
import type { Job } from '../../../lib/model/jobs.js';
import { scopeIdOf } from '../../../lib/model/scopes.js';
import type { PlannedUnit } from '../../../lib/model/units.js';
import type { Item } from '../../../lib/ports/document-store.js';
import { sleep } from '../../../lib/retry.js';
import type { SeededDataset } from '../../../local/example-dataset.js';
import { startSqsPoller } from '../../../local/sqs-poller.js';
import type { PipelineHarness } from '../support/pipeline-harness.js';

/** Runs the workers until `until(job)` holds, then stops them (messages in flight finish). */
export async function runUntil(
  pipeline: PipelineHarness,
  jobId: string,
  until: (job: Job) => boolean,
  timeoutMs = 60_000,
): Promise<Job> {
  const poller = startSqsPoller({
    consumer: pipeline.consumer,
    queueUrl: pipeline.workQueueUrl,
    queueArn: await pipeline.consumer.queueArn(pipeline.workQueueUrl),
    region: pipeline.clients.region,
    concurrency: 4,
    visibilityTimeoutSeconds: pipeline.settings.visibilityTimeoutSeconds,
    handler: async (records) => {
      const failures: { itemIdentifier: string }[] = [];
      await Promise.all(
        records.map(async (record) => {
          try {
            await pipeline.engine.handleMessage(record.body);
          } catch (error) {
            pipeline.handlerErrors.push(error);
            failures.push({ itemIdentifier: record.messageId });
          }
        }),
      );
      return { batchItemFailures: failures };
    },
  });
  const deadline = Date.now() + timeoutMs;
  try {
    while (Date.now() < deadline) {
      const job = await pipeline.engine.getJob(jobId);
      if (job && until(job)) return job;
      await sleep(100);
    }
    throw new Error(
      `job ${jobId} never got there: ${JSON.stringify(await pipeline.engine.getJob(jobId))}`,
    );
  } finally {
    await poller.stop();
  }
}

/** Every unit item of a job (a Query on the job's partition). */
export async function unitsOf(pipeline: PipelineHarness, jobId: string): Promise<Item[]> {
  const state = pipeline.engine.context.state;
  const items: Item[] = [];
  let startKey: Record<string, string | number> | undefined;
  do {
    const page = await state.docs.query({
      table: state.table,
      keyCondition: {
        expression: 'pk = :pk AND begins_with(sk, :unit)',
        values: { ':pk': `JOB#${jobId}`, ':unit': 'UNIT#' },
      },
      startKey,
      consistent: true,
    });
    items.push(...page.items);
    startKey = page.lastKey;
  } while (startKey);
  return items;
}

type DeleteObjectsFault = (key: string) => { code: string; message: string } | undefined;

/**
 * Fault injection on the real S3 client: before a DeleteObjects call is sent, keys that
 * `fault` picks are taken out of the request (so they really stay) and come back in the
 * response's `Errors` with the code it chose — the way S3 answers a throttled or denied key.
 */
export function injectDeleteObjectsFaults(pipeline: PipelineHarness, fault: DeleteObjectsFault) {
  const injected: { key: string; code: string }[] = [];
  pipeline.clients.s3.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'DeleteObjectsCommand') return next(args);
      const input = args.input as DeleteObjectsCommandInput;
      const objects = input.Delete?.Objects ?? [];
      const errors: { Key: string; Code: string; Message: string }[] = [];
      const sent = objects.filter((object) => {
        const chosen = object.Key === undefined ? undefined : fault(object.Key);
        if (chosen && object.Key !== undefined) {
          errors.push({ Key: object.Key, Code: chosen.code, Message: chosen.message });
          injected.push({ key: object.Key, code: chosen.code });
        }
        return chosen === undefined;
      });
      if (sent.length === 0) {
        return { output: { Deleted: [], Errors: errors, $metadata: {} }, response: {} };
      }
      const result = await next({
        ...args,
        input: { ...input, Delete: { ...input.Delete, Objects: sent } },
      });
      const output = result.output as DeleteObjectsCommandOutput;
      return { ...result, output: { ...output, Errors: [...(output.Errors ?? []), ...errors] } };
    },
    { step: 'initialize', name: 'injectDeleteObjectsFaults' },
  );
  return injected;
}

/** What the target tenant of the example data set still has: rows by table, objects by bucket. */
export async function targetFootprint(pipeline: PipelineHarness, dataset: SeededDataset) {
  const { docs, objects } = pipeline.engine.context;
  const rows: Record<string, number> = {};
  for (const [table, items] of Object.entries(dataset.target.rows)) {
    let found = 0;
    for (const item of items) {
      const key = Object.fromEntries(
        Object.entries(item).filter(([name]) => keyAttributes(pipeline, table).includes(name)),
      ) as Record<string, string>;
      if (await docs.get(table, key)) found++;
    }
    rows[table] = found;
  }
  const stored: Record<string, number> = {};
  for (const [bucket, keys] of Object.entries(dataset.target.objects)) {
    let found = 0;
    for (const key of keys) if (await objects.exists(bucket, key)) found++;
    stored[bucket] = found;
  }
  return { rows, objects: stored };
}

function keyAttributes(pipeline: PipelineHarness, tableName: string): string[] {
  const table = Object.values(pipeline.graph.tables).find((t) => t.name === tableName);
  return table ? [table.partitionKey, ...(table.sortKey ? [table.sortKey] : [])] : [];
}

/** XML 1.0's `Char` production, written here apart from lethe's own rule so the two can differ. */
const XML_CHAR = /^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;

/**
 * S3's rule that the emulator lacks: a DeleteObjects body holding a key XML 1.0 cannot carry
 * (U+0000–U+001F but tab, LF and CR; lone surrogates; U+FFFE, U+FFFF) is rejected whole with
 * 400 MalformedXML, nothing deleted. Installed as middleware on the real S3 client; returns
 * the keys of every body it rejected.
 */
export function rejectMalformedDeleteObjects(clients: { s3: S3Client }) {
  const rejected: string[][] = [];
  clients.s3.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'DeleteObjectsCommand') return next(args);
      const input = args.input as DeleteObjectsCommandInput;
      const keys = (input.Delete?.Objects ?? []).map((o) => o.Key ?? '');
      if (keys.every((key) => XML_CHAR.test(key))) return next(args);
      rejected.push(keys);
      throw new S3ServiceException({
        name: 'MalformedXML',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message:
          'The XML you provided was not well-formed or did not validate against our published schema',
      });
    },
    { step: 'initialize', name: 'rejectMalformedDeleteObjects' },
  );
  return rejected;
}

/** The first rows unit of project `projectId`'s alerts, planned in the project's scope. */
export function alertRowsUnit(jobId: string, projectId: string): PlannedUnit {
  return planned({
    message: {
      v: 1,
      jobId,
      type: 'rows',
      relation: 'project.alert.projectId',
      parentId: projectId,
      page: 0,
    },
    scope: scopeIdOf('project', projectId),
  });
}
