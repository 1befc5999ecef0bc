// ObjectStore.existing: which keys exist, found by listing. Keys of one folder are listed
// from the first through the last within a page budget, not one LIST a key: a deletion asks
// this for every rendered and manifest key, so its price is the object path's price.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { mapConcurrent } from '../../../lib/retry.js';
import { createPipelineHarness, type PipelineHarness } from '../support/pipeline-harness.js';

async function put(pipeline: PipelineHarness, bucket: string, keys: readonly string[]) {
  await mapConcurrent([...keys], 16, (Key) =>
    pipeline.clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: 'x' })),
  );
}

/** Counts the ListObjectsV2 requests the pipeline's S3 client sends. */
function countListings(pipeline: PipelineHarness): { readonly count: () => number } {
  let listings = 0;
  pipeline.clients.s3.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'ListObjectsV2Command') listings++;
      return next(args);
    },
    { step: 'initialize', name: 'countListings' },
  );
  return { count: () => listings };
}

const numbered = (n: number) =>
  Array.from({ length: n }, (_, i) => `folder/${String(i).padStart(4, '0')}.bin`);

describe('Method: ObjectStore.existing (S3)', () => {
  it('finds exactly the keys that exist among 1,500 of one folder with a handful of listings', async () => {
    // Prepare: 1,500 keys stored; asked: every fourth of them and 300 that were never stored.
    const pipeline = await createPipelineHarness('exist-many');
    const bucket = pipeline.graph.buckets.artifacts?.name ?? '';
    const stored = numbered(1500);
    await put(pipeline, bucket, stored);
    const present = stored.filter((_, i) => i % 4 === 0);
    const absent = Array.from(
      { length: 300 },
      (_, i) => `folder/${String(i).padStart(4, '0')}.gone`,
    );
    const listings = countListings(pipeline);

    // Act
    const found = await pipeline.engine.context.objects.existing(bucket, [...present, ...absent]);

    // Assess: one LIST for the first key, ⌈675 / 1,000⌉ + 1 pages at most for the rest
    expect([...found].sort()).toEqual([...present].sort());
    expect(listings.count()).toBeLessThanOrEqual(3);
  });

  it('asks key by key for what a page budget does not reach, and still answers exactly', async () => {
    // Prepare: three keys asked, 1,500 others of the folder between the first and the last.
    const pipeline = await createPipelineHarness('exist-spread');
    const bucket = pipeline.graph.buckets.artifacts?.name ?? '';
    const stored = numbered(1500);
    await put(pipeline, bucket, stored);
    const asked = ['folder/0000.bin', 'folder/1499.bin', 'folder/9999.bin'];

    // Act
    const found = await pipeline.engine.context.objects.existing(bucket, asked);

    // Assess
    expect([...found].sort()).toEqual(['folder/0000.bin', 'folder/1499.bin']);
  });

  it('finds keys of any character S3 allows, in folders and alone', async () => {
    // Prepare
    const pipeline = await createPipelineHarness('exist-chars');
    const bucket = pipeline.graph.buckets.artifacts?.name ?? '';
    const odd = [
      'p/a b.png',
      'p/a+b.png',
      'p/a\rb.png',
      'p/😀.png',
      'p/😁.png',
      'p/ünï.png',
      'top',
    ];
    await put(pipeline, bucket, odd);

    // Act
    const found = await pipeline.engine.context.objects.existing(bucket, [
      ...odd,
      'p/😂.png',
      'p/a.png',
      'p/\uD83D',
    ]);

    // Assess
    expect([...found].sort()).toEqual([...odd].sort());
  });
});
