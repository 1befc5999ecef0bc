// Every key S3 allows under an owned prefix is erased, every key beside it stays, and the
// counts say exactly how many keys existed and went. Keys are checked one by one with
// HeadObject on the exact key (never by "nothing listed": a listing can hide a key it mangles).
// S3's rule that the emulator lacks (a DeleteObjects body with a key XML cannot carry fails
// whole, 400 MalformedXML) is simulated with middleware on the real client.
import {
  DeleteObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { totalOf } from '../../../lib/model/counters.js';
import { mapConcurrent } from '../../../lib/retry.js';
import { SMALL_SIZE } from '../../../local/example-dataset.js';
import { createPipelineHarness, type PipelineHarness } from '../support/pipeline-harness.js';
import { rejectMalformedDeleteObjects } from './engine-test-support.js';

/** Small pages, so that even a few keys cross page and unit boundaries. */
const SMALL_PAGES = { objectPageSize: 4, prefixPagesPerUnit: 2 };

async function putKeys(pipeline: PipelineHarness, keys: Iterable<string>): Promise<void> {
  const bucket = pipeline.graph.buckets.artifacts?.name;
  await mapConcurrent([...keys], 16, (Key) =>
    pipeline.clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: 'x' })),
  );
}

/** HeadObject on the exact key, asked of S3 directly (the key travels in the URL). */
async function stored(pipeline: PipelineHarness, key: string): Promise<boolean> {
  try {
    await pipeline.clients.s3.send(
      new HeadObjectCommand({ Bucket: pipeline.graph.buckets.artifacts?.name, Key: key }),
    );
    return true;
  } catch (error) {
    if (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 404) return false;
    throw error;
  }
}

async function storedKeys(pipeline: PipelineHarness, keys: Iterable<string>): Promise<string[]> {
  const all = [...keys];
  const present = await mapConcurrent(all, 16, (key) => stored(pipeline, key));
  return all.filter((_, index) => present[index]);
}

/** Deletes project `projectId` (a row, and the prefix `projects/<projectId>/`) and waits. */
async function deleteProject(pipeline: PipelineHarness, projectId: string) {
  const projects = pipeline.graph.tables.projects?.name ?? '';
  await pipeline.engine.context.docs.put(projects, { projectId, orgId: 'o-keys' });
  const { jobId } = await pipeline.engine.requestDeletion({ entity: 'project', id: projectId });
  try {
    return await pipeline.run(jobId, { timeoutMs: 60_000 });
  } catch (error) {
    // What the handlers saw says why a job did not complete.
    throw new Error(`${String(error)}; handler errors: ${pipeline.handlerErrors.join(' | ')}`);
  }
}

describe('Engine: object keys of every character S3 allows', () => {
  it('erases a key holding a carriage return and counts only what existed', async () => {
    // Prepare
    const pipeline = await createPipelineHarness('keys-cr');
    const owned = ['projects/p1/a\rb.png', 'projects/p1/ok.png'];
    await putKeys(pipeline, owned);

    // Act
    const job = await deleteProject(pipeline, 'p1');

    // Assess
    expect(await storedKeys(pipeline, owned)).toEqual([]);
    expect(totalOf(job.counts, 'objectsDeleted')).toBe(2);
    expect(job.outcome).toBe('deleted');
  });

  it('deletes a key XML cannot carry on its own, and the rest of its batch with it', async () => {
    // Prepare
    const pipeline = await createPipelineHarness('keys-ctl');
    const rejected = rejectMalformedDeleteObjects(pipeline.clients);
    const owned = [
      ...Array.from({ length: 30 }, (_, i) => `projects/p1/file-${String(i).padStart(2, '0')}`),
      'projects/p1/file-05\u0010',
      'projects/p1/\u0000',
      'projects/p1/\uffff',
    ];
    await putKeys(pipeline, owned);

    // Act
    const job = await deleteProject(pipeline, 'p1');

    // Assess
    expect(rejected).toEqual([]);
    expect(await storedKeys(pipeline, owned)).toEqual([]);
    expect(totalOf(job.counts, 'objectsDeleted')).toBe(owned.length);
    expect(job.outcome).toBe('deleted');
    expect(pipeline.handlerErrors).toEqual([]);
  });

  it('pages mixed-case and non-ASCII keys in S3 byte order across page and unit boundaries', async () => {
    // Prepare
    const pipeline = await createPipelineHarness('keys-case', { settings: SMALL_PAGES });
    const names = ['A', 'a', 'B', 'b', 'Z', 'z', 'É', 'é', '~', '😀', '！', 'ａ', '_', '-', '0'];
    const owned = names.flatMap((n) => [`projects/p1/${n}`, `projects/p1/${n}${n}/x`]);
    const beside = ['projects/P1/a', 'projects/p1x/B', 'projects/p1', 'projects/p/z'];
    await putKeys(pipeline, [...owned, ...beside]);

    // Act
    const job = await deleteProject(pipeline, 'p1');

    // Assess
    expect(await storedKeys(pipeline, owned)).toEqual([]);
    expect(await storedKeys(pipeline, beside)).toEqual(beside);
    expect(totalOf(job.counts, 'objectsDeleted')).toBe(owned.length);
  });
});

/** Pieces keys are made of: what XML, URLs, form encoding and collations get wrong. */
const PIECES = [
  '\r',
  '\n',
  '\r\n',
  '\t',
  '\u0000',
  '\u0001',
  '\u0008',
  '\u000b',
  '\u000c',
  '\u0010',
  '\u001f',
  '\u007f',
  '\u0085',
  '\u2028',
  '\ufffe',
  '\uffff',
  '&',
  '<',
  '>',
  '"',
  "'",
  '&amp;',
  '&#13;',
  '&#x0D;',
  ']]>',
  '+',
  ' ',
  '%',
  '%2B',
  '%20',
  '%0D',
  '/',
  '//',
  '.',
  '..',
  '../',
  '~',
  '*',
  '?',
  '#',
  '\\',
  'A',
  'a',
  'Z',
  'z',
  'É',
  'é',
  'ß',
  '！',
  '\u00a0',
  '😀',
  '\u{10ffff}',
];

const suffix = fc
  .array(
    fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...PIECES) },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 4 }) },
    ),
    { maxLength: 10 },
  )
  .chain((parts) =>
    // Sometimes a long run, so keys reach S3's limit of 1,024 bytes.
    fc
      .oneof(fc.constant(''), fc.string({ unit: 'binary-ascii', minLength: 900, maxLength: 1100 }))
      .map((long) => parts.join('') + long),
  );

const withinLimit = (key: string) => Buffer.byteLength(key, 'utf8') <= 1024;

/** Owned suffixes, and keys beside the prefix (siblings that share its first characters). */
const keySets = fc.record({
  owned: fc.uniqueArray(suffix, { minLength: 1, maxLength: 12 }),
  beside: fc.array(
    fc.record({
      where: fc.constantFrom('x/', '', '-', 'X/', '\u0000/', ' /', '+/', '%2F', '../'),
      suffix,
    }),
    { maxLength: 6 },
  ),
});

describe('Engine: object keys (property)', () => {
  it('erases every owned key, keeps every key beside the prefix, and counts the owned keys', async () => {
    const pipeline = await createPipelineHarness('keys-prop', { settings: SMALL_PAGES });
    const rejected = rejectMalformedDeleteObjects(pipeline.clients);
    let run = 0;
    await fc.assert(
      fc.asyncProperty(keySets, async ({ owned, beside }) => {
        // Prepare: a fresh project per run; its siblings are `projects/<id>x/`, `projects/<id>`…
        run++;
        const projectId = `q${run}z`;
        const prefix = `projects/${projectId}/`;
        const ownedKeys = new Set(owned.map((s) => prefix + s).filter(withinLimit));
        const besideKeys = new Set(
          beside
            .map((b) => `projects/${projectId}${b.where}${b.suffix}`)
            .filter((key) => withinLimit(key) && !key.startsWith(prefix)),
        );
        // Beside the owned prefix also means another project sharing the first characters.
        besideKeys.add(`projects/q${run}/k`);
        await putKeys(pipeline, [...ownedKeys, ...besideKeys]);

        // Act
        const job = await deleteProject(pipeline, projectId);

        // Assess
        expect(await storedKeys(pipeline, ownedKeys)).toEqual([]);
        expect(await storedKeys(pipeline, besideKeys)).toEqual([...besideKeys]);
        expect(totalOf(job.counts, 'objectsDeleted')).toBe(ownedKeys.size);
        expect(job.outcome).toBe('deleted');
        expect(rejected).toEqual([]);
      }),
      {
        // Each run is a whole deletion through the queue; a few keep the test short.
        numRuns: 8,
        endOnFailure: true,
        // The inputs of issue 15, always tried first.
        examples: [
          [{ owned: ['a\rb.png', 'ok.png'], beside: [] }],
          [{ owned: ['\u0010', 'a', 'b', 'c', 'd', 'e'], beside: [{ where: 'x/', suffix: 'k' }] }],
          // Run 3 owns `projects/q3z/`. Were a key's dot segments resolved anywhere on the way
          // (the key goes alone, in the URL), the first key would reach its sibling.
          [
            {
              owned: ['../q3zx/v\u0010', '..\u0010/..'],
              beside: [{ where: 'x/', suffix: 'v\u0010' }],
            },
          ],
        ],
      },
    );
  }, 120_000);
});

describe('Engine: object counts claim only keys that existed', () => {
  it('does not count a rendered key or an image that upstream removed first, against an outside count', async () => {
    // Prepare
    const pipeline = await createPipelineHarness('keys-upstream');
    const dataset = await pipeline.seed({ ...SMALL_SIZE, projects: 1 });
    const artifacts = pipeline.graph.buckets.artifacts?.name ?? '';
    const images = pipeline.graph.buckets.images?.name ?? '';
    const removed = [
      { bucket: artifacts, key: dataset.target.objects[artifacts]?.[3] ?? '' },
      { bucket: images, key: dataset.expected.imagesDeleted[0] ?? '' },
    ];
    for (const { bucket, key } of removed)
      await pipeline.clients.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    const owned = [
      ...Object.entries(dataset.target.objects).flatMap(([bucket, keys]) =>
        keys.map((key) => ({ bucket, key })),
      ),
      ...dataset.expected.imagesDeleted.map((key) => ({ bucket: images, key })),
    ];
    const before = await headAll(pipeline, owned);
    const plan = await pipeline.engine.plan('organization', 'acme');

    // Act
    const { jobId } = await pipeline.engine.requestDeletion({ entity: 'organization', id: 'acme' });
    const job = await pipeline.run(jobId, { timeoutMs: 240_000 });

    // Assess: what really disappeared, counted from outside.
    const after = await headAll(pipeline, owned);
    const disappeared = [...before].filter((location) => !after.has(location)).length;
    expect(after.size).toBe(0);
    expect(before.size).toBe(owned.length - removed.length);
    expect(totalOf(job.counts, 'objectsDeleted')).toBe(disappeared);
    // The removed image's other references kept nothing: they no longer count as shared.
    const removedImageRefs = dataset.imageOwners.get(removed[1]?.key ?? '')?.length ?? 0;
    expect(totalOf(job.counts, 'objectsShared')).toBe(
      dataset.expected.objectsShared - (removedImageRefs - 1),
    );
    expect(job.outcome).toBe('deleted');
    expect(plan.totals.objectsDeleted).toBe(disappeared);
  }, 300_000);
});

/** `bucket/key` of each object HeadObject finds. */
async function headAll(
  pipeline: PipelineHarness,
  objects: readonly { bucket: string; key: string }[],
): Promise<Set<string>> {
  const found = await mapConcurrent(objects, 16, async ({ bucket, key }) => {
    try {
      await pipeline.clients.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return `${bucket}/${key}`;
    } catch (error) {
      if (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 404)
        return undefined;
      throw error;
    }
  });
  return new Set(found.filter((location): location is string => location !== undefined));
}
