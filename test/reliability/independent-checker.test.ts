// The checker is what every scenario relies on, so it is tested first: after a clean deletion
// every check holds, and after each property is broken on purpose — behind lethe's back,
// straight on the emulators — the check that guards it fails.
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import { SMALL_SIZE } from '../../local/example-dataset.js';
import { canonicalJson, checkDeletion, queryPartition } from './support/independent-checker.js';
import { createReliabilityPipeline } from './support/reliability-pipeline.js';

/** A pipeline that has deleted acme (of `projects` projects) and stopped. */
async function deletedAcme(label: string, projects: number) {
  const pipeline = await createReliabilityPipeline({ stack: inject('localStack'), label });
  const dataset = await pipeline.seed({ ...SMALL_SIZE, projects });
  pipeline.start();
  const jobId = await pipeline.requestDeletion({ entity: 'organization', id: 'acme' });
  await pipeline.waitForCompletion(jobId, 60_000);
  await pipeline.stop();
  return { pipeline, dataset, jobId };
}

describe('Function: checkDeletion', () => {
  it('passes a clean deletion, and fails each check whose property is broken', async () => {
    // Prepare
    const { pipeline, dataset, jobId } = await deletedAcme('checker', 2);
    const clean = await checkDeletion(pipeline.checkInput(jobId, dataset));

    // Act: break every property once, directly on the emulators.
    const { clean: clients, graph, settings } = pipeline;
    const table = (name: string) => graph.tables[name]?.name ?? '';
    const bucket = (name: string) => graph.buckets[name]?.name ?? '';
    const ownedArtifact = dataset.target.rows[table('artifacts')]?.[0] ?? {};
    const decoyProject = dataset.decoy.rows[table('projects')]?.[0] ?? {};
    const ownedKeys = dataset.target.objects[bucket('artifacts')]?.slice(0, 2) ?? [];
    const keptImage = dataset.expected.imagesKept[0] ?? '';
    await clients.documents.send(
      new PutCommand({ TableName: table('artifacts'), Item: ownedArtifact }),
    );
    await clients.documents.send(
      new PutCommand({ TableName: table('projects'), Item: { ...decoyProject, renamed: true } }),
    );
    for (const key of ownedKeys) {
      await clients.s3.send(
        new PutObjectCommand({ Bucket: bucket('artifacts'), Key: key, Body: 'back' }),
      );
    }
    await clients.s3.send(new DeleteObjectCommand({ Bucket: bucket('images'), Key: keptImage }));
    await clients.documents.send(
      new UpdateCommand({
        TableName: settings.stateTableName,
        Key: { pk: `JOB#${jobId}`, sk: 'JOB' },
        UpdateExpression: 'ADD #deleted :one, #failed :one',
        ExpressionAttributeNames: {
          '#deleted': 'c|root.organization|rowsDeleted',
          '#failed': 'c|root.organization|objectsFailed',
        },
        ExpressionAttributeValues: { ':one': 1 },
      }),
    );
    await clients.documents.send(
      new PutCommand({
        TableName: settings.stateTableName,
        Item: { pk: `JOB#${jobId}`, sk: 'INTENT#forgotten', type: 'intent' },
      }),
    );
    for (const queueUrl of [pipeline.workQueueUrl, pipeline.deadLetterQueueUrl]) {
      await clients.sqs.send(
        new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: '{"stray":1}' }),
      );
    }
    const broken = await checkDeletion({
      ...pipeline.checkInput(jobId, dataset),
      completionWrites: 2,
      failures: [{ where: 'worker', process: 'pool-1', message: 'a bug', explained: undefined }],
    });
    await pipeline.destroy();

    // Assess
    expect(clean.checks.filter((c) => !c.ok)).toEqual([]);
    expect(clean.checks).toHaveLength(13);
    expect(broken.checks.filter((c) => c.ok).map((c) => c.name)).toEqual([]);
    expect(broken.ok).toBe(false);
  });

  it('explains a dead letter by its receives: faults or visibility overruns, and a settled unit', async () => {
    // Prepare: a finished job; one of its settled units' messages will be put in the DLQ.
    const { pipeline, dataset, jobId } = await deletedAcme('checker-dlq', 1);
    const partition = await queryPartition(
      pipeline.clean,
      pipeline.settings.stateTableName,
      `JOB#${jobId}`,
    );
    const body = String(partition.find((item) => String(item.sk).startsWith('UNIT#'))?.body);
    // The checker reads the DLQ by receiving (hidden for 300 s after), so each check gets its own copy.
    const dlqCheck = async (overruns: { body: string; seconds: number }[]) => {
      await pipeline.clean.sqs.send(
        new SendMessageCommand({ QueueUrl: pipeline.deadLetterQueueUrl, MessageBody: body }),
      );
      const report = await checkDeletion({ ...pipeline.checkInput(jobId, dataset), overruns });
      return {
        check: report.checks.find((c) => c.name === "the DLQ's contents are explained"),
        letter: report.deadLetters[0],
      };
    };

    // Act
    const unaccounted = await dlqCheck([]);
    const overran = await dlqCheck([{ body, seconds: 12.4 }]);
    await pipeline.destroy();

    // Assess
    expect(unaccounted.check?.ok).toBe(false);
    expect(unaccounted.letter?.unexplainedBecause).toBe(
      'no handler error and no overrun recorded for it',
    );
    expect(overran.check?.ok).toBe(true);
    expect(overran.letter?.reason).toBe(
      'outlasted its visibility timeout 1 time(s) (longest 12 s); unit settled since',
    );
  });
});

describe('Function: canonicalJson', () => {
  it('writes equal content as equal text whatever the key order, and tells other content apart', () => {
    // Prepare: an event as the completer built it, and as DynamoDB returns it from the outbox.
    const built = {
      jobId: 'j',
      counts: { b: { rowsDeleted: 2 }, a: { rowsDeleted: 1 } },
      ids: [1, 2],
    };
    const stored = {
      ids: [1, 2],
      counts: { a: { rowsDeleted: 1 }, b: { rowsDeleted: 2 } },
      jobId: 'j',
    };

    // Act & Assess
    expect(JSON.stringify(built)).not.toBe(JSON.stringify(stored));
    expect(canonicalJson(built)).toBe(canonicalJson(stored));
    expect(canonicalJson({ ...stored, ids: [2, 1] })).not.toBe(canonicalJson(built));
  });
});
