// Issue 18 §1–2: a completed job's signed receipt commits to exactly what it erased — one leaf
// per row deleted, row nulled and object deleted — and its root is the same however messages
// were delivered and whatever the page size. Proofs of inclusion check offline.
import { createHash, generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { merkleRoot } from '../../../lib/engine/merkle-tree.js';
import { proveItem } from '../../../lib/engine/prove-item.js';
import { verifyInclusion, verifyReceipt } from '../../../lib/engine/verify-receipt.js';
import { getReceipt, writeReceipt } from '../../../lib/engine/write-receipt.js';
import { LetheError } from '../../../lib/errors.js';
import {
  compareHashes,
  type ErasedItem,
  leafHash,
  leavesPartition,
} from '../../../lib/model/leaves.js';
import type { SignedReceipt } from '../../../lib/model/receipts.js';
import type { ReceiptSigner } from '../../../lib/ports/receipt-signer.js';
import { boardGraph, type SeededBoard, seedBoard } from '../support/board-graph.js';
import { createPipelineHarness, type PipelineHarness } from '../support/pipeline-harness.js';
import { injectDeleteObjectsFaults } from './engine-test-support.js';

const SEED = { cards: 3, attachmentsPerCard: 3, commentsPerCard: 2, mentionsPerCard: 2, blobs: 2 };
/** For the runs where the point is the root, not the volume (page size 1, twice delivered). */
const SMALL_SEED = {
  cards: 2,
  attachmentsPerCard: 2,
  commentsPerCard: 1,
  mentionsPerCard: 1,
  blobs: 1,
};

/** What deleting workspace w1 erases, from the seed alone (not from lethe's bookkeeping). */
function expectedErased(seeded: SeededBoard, seed = SEED): ErasedItem[] {
  const { tables, buckets } = seeded;
  return [
    { kind: 'row', container: tables.workspaces, key: { workspaceId: 'w1' } },
    { kind: 'row', container: tables.boards, key: { boardId: 'b1' } },
    ...seeded.cardIds.map(
      (cardId): ErasedItem => ({ kind: 'row', container: tables.cards, key: { cardId } }),
    ),
    ...seeded.cardIds.flatMap((cardId) =>
      Array.from(
        { length: seed.commentsPerCard },
        (_, i): ErasedItem => ({
          kind: 'row',
          container: tables.comments,
          key: { commentId: `${cardId}-m${i + 1}` },
        }),
      ),
    ),
    ...seeded.mentionIds.map(
      (mentionId): ErasedItem => ({
        kind: 'nulled',
        container: tables.mentions,
        key: { mentionId },
      }),
    ),
    ...Object.values(seeded.attachments)
      .flat()
      .map((key): ErasedItem => ({ kind: 'object', container: buckets.files, key })),
    ...seeded.blobKeys.map(
      (key): ErasedItem => ({ kind: 'object', container: buckets.files, key }),
    ),
    { kind: 'object', container: buckets.exports, key: seeded.exportKey },
  ];
}

function expectedRoot(jobId: string, seeded: SeededBoard, seed = SEED): string {
  const leaves = expectedErased(seeded, seed)
    .map((item) => leafHash(jobId, item))
    .sort(compareHashes);
  return merkleRoot(leaves).toString('hex');
}

async function deleteWorkspace(
  pipeline: PipelineHarness,
  run: { duplicate?: boolean; timeoutMs?: number; onMessage?: (body: string) => void } = {},
  seed = SEED,
): Promise<{ jobId: string; seeded: SeededBoard; signed: SignedReceipt; publicKey: string }> {
  const seeded = await seedBoard(pipeline, seed);
  const { jobId } = await pipeline.engine.requestDeletion({ entity: 'workspace', id: 'w1' });
  await pipeline.run(jobId, run);
  const signed = await getReceipt(pipeline.engine.context.state, jobId);
  if (!signed) throw new Error(`job ${jobId} has no receipt`);
  const publicKey = (await pipeline.engine.context.signer?.publicKeyPem()) ?? '';
  return { jobId, seeded, signed, publicKey };
}

/** A receipt signer (a fresh P-256 key) that refuses to sign, as KMS down would, until `up()`. */
function flakySigner(): { port: ReceiptSigner; up: () => void } {
  const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  let down = true;
  return {
    port: {
      keyId: async () => 'test:flaky',
      publicKeyPem: async () => keys.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
      sign: async (message) => {
        if (down) throw new Error('KMS unavailable');
        return sign('sha256', message, { key: keys.privateKey, dsaEncoding: 'der' });
      },
    },
    up: () => {
      down = false;
    },
  };
}

/** The sort keys each TransactWriteItems call of the pipeline's clients writes, in order. */
function recordTransactions(pipeline: PipelineHarness): string[][] {
  const transactions: string[][] = [];
  pipeline.clients.documents.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'TransactWriteItemsCommand') {
        const input = args.input as {
          TransactItems?: Record<string, { Key?: { sk?: unknown }; Item?: { sk?: unknown } }>[];
        };
        transactions.push(
          (input.TransactItems ?? []).map((entry) => {
            const op = Object.values(entry)[0];
            return String(op?.Key?.sk ?? op?.Item?.sk);
          }),
        );
      }
      return next(args);
    },
    { step: 'initialize', name: 'recordTransactions' },
  );
  return transactions;
}

/** A deep copy of a receipt with one change applied. */
function tampered(signed: SignedReceipt, change: (copy: SignedReceipt) => void): SignedReceipt {
  const copy = structuredClone(signed);
  change(copy);
  return copy;
}

describe('Engine: receipts', () => {
  it('signs a receipt whose root covers exactly the rows, nulled rows and objects erased', async () => {
    // Prepare
    const pipeline = await createPipelineHarness('receipt', { graph: boardGraph() });

    // Act
    const { jobId, seeded, signed, publicKey } = await deleteWorkspace(pipeline);

    // Assess
    const expected = expectedErased(seeded);
    expect(signed.receipt).toMatchObject({
      jobId,
      entity: 'workspace',
      id: 'w1',
      outcome: 'deleted',
      leafCount: expected.length,
      root: expectedRoot(jobId, seeded),
    });
    expect(verifyReceipt(signed, publicKey)).toMatchObject({ ok: true, problems: [] });
    const job = await pipeline.engine.getJob(jobId);
    expect(job?.receipt).toMatchObject({ root: signed.receipt.root, leafCount: expected.length });
    const completed = pipeline.events.events.find((e) => e.detailType === 'DeletionCompleted');
    expect(completed?.detail).toMatchObject({ jobId, receiptRoot: signed.receipt.root });
    expect(pipeline.handlerErrors).toEqual([]);
  });

  it('stores the receipt in the transaction that completes the job, and in no other', async () => {
    // Prepare
    const pipeline = await createPipelineHarness('receiptatomic', { graph: boardGraph() });
    const transactions = recordTransactions(pipeline);

    // Act
    const { jobId } = await deleteWorkspace(pipeline);

    // Assess: one transaction puts the receipt, and it is the one that writes the job's
    // DeletionCompleted outbox item (the completion): a job is never completed without it.
    const withReceipt = transactions.filter((sks) => sks.includes('RECEIPT'));
    expect(withReceipt).toEqual([expect.arrayContaining(['JOB', 'EVENT#DeletionCompleted'])]);
    expect((await pipeline.engine.getJob(jobId))?.receipt).toBeDefined();
  });

  it('completes the job while its signer fails, and stores the receipt when the event goes out', async () => {
    // Prepare: a signer that refuses until it is let go.
    const signer = flakySigner();
    const flaky = await createPipelineHarness('receiptsignerdown', {
      graph: boardGraph(),
      signer: signer.port,
    });
    const seeded = await seedBoard(flaky, SEED);
    const { jobId } = await flaky.engine.requestDeletion({ entity: 'workspace', id: 'w1' });

    // Act
    const job = await flaky.run(jobId);
    const before = await getReceipt(flaky.engine.context.state, jobId);
    const publishedBefore = flaky.events.events.filter((e) => e.detailType === 'DeletionCompleted');
    signer.up();
    await flaky.engine.sweep();

    // Assess: the deletion is complete and its event waited in the outbox for the receipt.
    expect(job).toMatchObject({ status: 'completed', outcome: 'deleted' });
    expect(before).toBeUndefined();
    expect(publishedBefore).toEqual([]);
    const signed = await getReceipt(flaky.engine.context.state, jobId);
    expect(signed?.receipt.root).toBe(expectedRoot(jobId, seeded));
    const completed = flaky.events.events.find((e) => e.detailType === 'DeletionCompleted');
    expect(completed?.detail).toMatchObject({ jobId, receiptRoot: signed?.receipt.root });
  });

  it('keeps the first receipt when two writers sign at once: one signature, the stored one', async () => {
    // Prepare: a job that completed while its signer was down, so it has no receipt yet.
    const signer = flakySigner();
    const pipeline = await createPipelineHarness('receipttwin', {
      graph: boardGraph(),
      signer: signer.port,
    });
    await seedBoard(pipeline, SMALL_SEED);
    const { jobId } = await pipeline.engine.requestDeletion({ entity: 'workspace', id: 'w1' });
    await pipeline.run(jobId);
    signer.up();

    // Act: two writers (the worker's publish and the sweeper's outbox pass, say) both find no
    // receipt and each signs its own (ECDSA signatures are randomised).
    const context = pipeline.engine.context;
    const [signed, twin] = await Promise.all([
      writeReceipt(context, jobId),
      writeReceipt(context, jobId),
    ]);

    // Assess: the conditional put kept one, and both hand back that one.
    expect(twin).toEqual(signed);
    expect(await getReceipt(context.state, jobId)).toEqual(signed);
  });

  it('fails verification when a count, a byte of the root or the signature is changed', async () => {
    // Prepare
    const pipeline = await createPipelineHarness('receipttamper', { graph: boardGraph() });
    const { signed, publicKey } = await deleteWorkspace(pipeline);
    const relation = Object.keys(signed.receipt.counts)[0] ?? '';

    // Act
    const checks = {
      count: verifyReceipt(
        tampered(signed, (r) => {
          const byKind = r.receipt.counts[relation] ?? {};
          byKind.rowsDeleted = (byKind.rowsDeleted ?? 0) + 1;
          r.receipt.totals.rowsDeleted += 1;
          r.receipt.leafCount += 1;
        }),
        publicKey,
      ),
      root: verifyReceipt(
        tampered(signed, (r) => {
          const first = r.receipt.root[0] === '0' ? '1' : '0';
          r.receipt.root = `${first}${r.receipt.root.slice(1)}`;
        }),
        publicKey,
      ),
      signature: verifyReceipt(
        tampered(signed, (r) => {
          const bytes = Buffer.from(r.signature.value, 'base64');
          bytes[bytes.length - 1] = (bytes.at(-1) ?? 0) ^ 1;
          r.signature.value = bytes.toString('base64');
        }),
        publicKey,
      ),
      inconsistent: verifyReceipt(
        tampered(signed, (r) => {
          r.receipt.leafCount += 1;
        }),
        publicKey,
      ),
    };

    // Assess
    expect(verifyReceipt(signed, publicKey).ok).toBe(true);
    expect(checks.count.ok).toBe(false);
    expect(checks.count.problems.join()).toMatch(/signature/);
    expect(checks.root.ok).toBe(false);
    expect(checks.signature.ok).toBe(false);
    expect(checks.inconsistent.problems.join()).toMatch(/leafCount/);
  });

  it('proves an erased object and row, and finds no proof for an item that was not erased', async () => {
    // Prepare
    const pipeline = await createPipelineHarness('receiptprove', { graph: boardGraph() });
    const { jobId, seeded, signed, publicKey } = await deleteWorkspace(pipeline);
    const context = pipeline.engine.context;
    const attachment = seeded.attachments.c2?.[1] ?? '';

    // Act
    const object = await proveItem(context, jobId, {
      kind: 'object',
      bucket: seeded.buckets.files,
      key: attachment,
    });
    const row = await proveItem(context, jobId, {
      kind: 'row',
      table: seeded.tables.cards,
      key: { cardId: 'c3' },
    });
    const absent = await proveItem(context, jobId, {
      kind: 'object',
      bucket: seeded.buckets.files,
      key: 'workspaces/w1/cards/c9/never.bin',
    });
    const nulledAsRow = await proveItem(context, jobId, {
      kind: 'row',
      table: seeded.tables.mentions,
      key: { mentionId: seeded.mentionIds[0] ?? '' },
    });

    // Assess
    if (!object.found || !row.found) throw new Error('no proof for an erased item');
    expect(verifyInclusion(signed, object.proof, publicKey)).toMatchObject({ ok: true });
    expect(verifyInclusion(signed, row.proof, publicKey)).toMatchObject({ ok: true });
    expect(absent).toEqual({ found: false, reason: 'the item is not in the receipt' });
    expect(nulledAsRow).toEqual({
      found: false,
      reason:
        'the item is not in the receipt as a deleted row; it is there as a nulled row (its pointer was cleared): prove it with --nulled',
    });
    // A proof of one item does not pass for another, nor for a forged receipt.
    const forged = {
      ...object.proof,
      item: { kind: 'object', bucket: seeded.buckets.files, key: 'workspaces/w1/x.bin' },
    };
    expect(verifyInclusion(signed, forged, publicKey).ok).toBe(false);
    const otherRoot = tampered(signed, (r) => {
      r.receipt.root = object.proof.path[0] ?? r.receipt.root;
    });
    expect(verifyInclusion(otherRoot, object.proof, publicKey).ok).toBe(false);
  });

  it('gives the root of the seeded items with every message delivered twice', {
    timeout: 400_000,
  }, async () => {
    // Prepare
    const pipeline = await createPipelineHarness('receiptdup', { graph: boardGraph() });

    // Act
    const { jobId, seeded, signed, publicKey } = await deleteWorkspace(
      pipeline,
      { duplicate: true, timeoutMs: 360_000 },
      SMALL_SEED,
    );

    // Assess: the same root as computed from the seed, like every other run here.
    expect(signed.receipt.root).toBe(expectedRoot(jobId, seeded, SMALL_SEED));
    expect(signed.receipt.leafCount).toBe(expectedErased(seeded, SMALL_SEED).length);
    expect(verifyReceipt(signed, publicKey).ok).toBe(true);
  });

  it('gives the root of the seeded items with page size 1', { timeout: 400_000 }, async () => {
    // Prepare: every row page, object page and prefix segment holds one item.
    const pipeline = await createPipelineHarness('receiptpage1', {
      graph: boardGraph(),
      settings: { pageSize: 1, objectPageSize: 1, prefixPagesPerUnit: 1 },
    });

    // Act
    const { jobId, seeded, signed } = await deleteWorkspace(
      pipeline,
      { timeoutMs: 360_000 },
      SMALL_SEED,
    );

    // Assess
    expect(signed.receipt.root).toBe(expectedRoot(jobId, seeded, SMALL_SEED));
    expect(signed.receipt.leafCount).toBe(expectedErased(seeded, SMALL_SEED).length);
  });

  it('keeps the leaves of a prefix segment whose first run crashed after deleting it', async () => {
    // Prepare: every prefix unit's first run dies after its deletes, before it settles; the
    // re-run finds the keys gone and must still claim them, as its counts do.
    const crashed = new Set<string>();
    const pipeline = await createPipelineHarness('receiptcrash', {
      graph: boardGraph(),
      crashPoint: (point, unitId) => {
        if (point !== 'after-objects' || !unitId.startsWith('prefix|') || crashed.has(unitId))
          return;
        crashed.add(unitId);
        throw new Error(`crash after the objects of ${unitId}`);
      },
    });

    // Act
    const { jobId, seeded, signed } = await deleteWorkspace(pipeline);
    pipeline.handlerErrors.length = 0;

    // Assess
    expect(crashed.size).toBe(SEED.cards);
    expect(signed.receipt.root).toBe(expectedRoot(jobId, seeded));
    expect(signed.receipt.totals.objectsDeleted).toBe(
      SEED.cards * SEED.attachmentsPerCard + SEED.blobs + 1,
    );
  });

  it('writes each leaf once: a prefix segment pins its leaves where the receipt reads them', async () => {
    // Prepare: count the leaf hash bytes every state write carries.
    const pipeline = await createPipelineHarness('receiptonce', { graph: boardGraph() });
    const { docs } = pipeline.engine.context;
    const transact = docs.transact.bind(docs);
    let hashBytes = 0;
    docs.transact = async (items) => {
      await transact(items);
      // Counted once written (a transaction cancelled by a conflict writes nothing).
      for (const item of items) {
        if (item.kind !== 'put') continue;
        // Leaves items hold `hashes`; intents used to pin them as `leafHashes`.
        for (const name of ['hashes', 'leafHashes']) {
          const value = item.item[name];
          if (value instanceof Uint8Array) hashBytes += value.byteLength;
        }
      }
    };

    // Act
    const { jobId, seeded, signed } = await deleteWorkspace(pipeline);

    // Assess: 32 bytes per leaf in all, so no leaf was written twice.
    expect(signed.receipt.root).toBe(expectedRoot(jobId, seeded));
    expect(hashBytes).toBe(32 * signed.receipt.leafCount);
    expect(pipeline.handlerErrors).toEqual([]);
  });

  it('claims no key that failed in a prefix segment, and nothing of a prefix unit that failed', async () => {
    // Prepare: one attachment of the first card is denied for good; the second card's prefix
    // unit fails as a unit after its deletes (a refusal no retry fixes).
    const pipeline = await createPipelineHarness('receiptfail', {
      graph: boardGraph(),
      crashPoint: (point, unitId) => {
        if (point === 'after-objects' && unitId.startsWith('prefix|') && unitId.includes('c2')) {
          throw new LetheError('DYNAMODB_REQUEST_REFUSED', `refused after ${unitId}`);
        }
      },
    });
    const denied = new Set<string>();
    injectDeleteObjectsFaults(pipeline, (key) =>
      denied.has(key) ? { code: 'AccessDenied', message: 'Access Denied' } : undefined,
    );
    const seeded = await seedBoard(pipeline, SEED);
    const [firstCard, secondCard] = seeded.cardIds;
    const deniedKey = seeded.attachments[firstCard ?? '']?.[0] ?? '';
    denied.add(deniedKey);

    // Act
    const { jobId } = await pipeline.engine.requestDeletion({ entity: 'workspace', id: 'w1' });
    await pipeline.run(jobId);
    const signed = await getReceipt(pipeline.engine.context.state, jobId);

    // Assess: the receipt claims what was erased and counted, no more (a failed unit blocks
    // its card, so the card, board and workspace rows stay; the first card's other keys go).
    const context = pipeline.engine.context;
    const prove = (key: string) =>
      proveItem(context, jobId, { kind: 'object', bucket: seeded.buckets.files, key });
    const [, erasedKey] = seeded.attachments[firstCard ?? ''] ?? [];
    expect((await prove(erasedKey ?? '')).found).toBe(true);
    expect(await prove(deniedKey)).toEqual({
      found: false,
      reason: 'the item is not in the receipt',
    });
    for (const key of seeded.attachments[secondCard ?? ''] ?? []) {
      expect((await prove(key)).found).toBe(false);
    }
    const publicKey = (await context.signer?.publicKeyPem()) ?? '';
    if (!signed) throw new Error(`job ${jobId} has no receipt`);
    expect(verifyReceipt(signed, publicKey)).toMatchObject({ ok: true, problems: [] });
    const stored = await context.docs.query({
      table: context.state.table,
      keyCondition: { expression: 'pk = :pk', values: { ':pk': leavesPartition(jobId) } },
    });
    const ofFailedUnit = new RegExp(`^LEAVES#prefix\\|card\\|\\d+\\|\\d+\\|${secondCard}#`);
    const failedUnitLeaves = stored.items.filter((item) => ofFailedUnit.test(String(item.sk)));
    expect(failedUnitLeaves).toEqual([]);
  });

  it('hashes and stores no leaf in the bench baseline that switches receipt leaves off', async () => {
    // Prepare: the bench judges what receipts cost against this engine; it must do the same
    // deletion, minus the leaves.
    const pipeline = await createPipelineHarness('receiptoff', {
      graph: boardGraph(),
      receiptLeaves: false,
    });

    // Act
    const { jobId, seeded, signed } = await deleteWorkspace(pipeline);

    // Assess
    const leaves = await pipeline.engine.context.docs.query({
      table: pipeline.engine.context.state.table,
      keyCondition: { expression: 'pk = :pk', values: { ':pk': leavesPartition(jobId) } },
    });
    // The partition holds the receipt itself (sk RECEIPT) and, normally, the leaf items.
    expect(leaves.items.map((item) => item.sk)).toEqual(['RECEIPT']);
    expect(signed.receipt.leafCount).toBe(0);
    expect(signed.receipt.totals.objectsDeleted).toBe(
      expectedErased(seeded).filter((item) => item.kind === 'object').length,
    );
  });
});

describe('Engine: receipts with a leaves bucket', () => {
  /** Every unit's leaves go to the bucket (threshold 0), as a 10,000-key prefix unit's do. */
  const leavesBucket = (label: string) => ({
    receiptLeavesBucketName: `${label}-leaves-${randomUUID().slice(0, 8)}`,
    receiptLeavesInlineBytes: 0,
  });

  async function storedParts(pipeline: PipelineHarness, jobId: string) {
    const { docs, state } = pipeline.engine.context;
    const stored = await docs.query({
      table: state.table,
      keyCondition: {
        expression: 'pk = :pk AND begins_with(sk, :leaves)',
        values: { ':pk': leavesPartition(jobId), ':leaves': 'LEAVES#' },
      },
    });
    return stored.items;
  }

  it('keeps each unit’s leaves as one object named by its SHA-256, and gives the same root and proofs', async () => {
    // Prepare
    const settings = leavesBucket('receiptbucket');
    const pipeline = await createPipelineHarness('receiptbucket', {
      graph: boardGraph(),
      settings,
    });

    // Act
    const { jobId, seeded, signed, publicKey } = await deleteWorkspace(pipeline);

    // Assess: the state table keeps pointers only; each object holds what its pointer says.
    expect(signed.receipt.root).toBe(expectedRoot(jobId, seeded));
    expect(verifyReceipt(signed, publicKey)).toMatchObject({ ok: true, problems: [] });
    const parts = await storedParts(pipeline, jobId);
    expect(parts.length).toBeGreaterThan(0);
    const { objects } = pipeline.engine.context;
    let leaves = 0;
    for (const part of parts) {
      expect(part.hashes).toBeUndefined();
      const object = part.object as { bucket: string; key: string; sha256: string };
      expect(object.bucket).toBe(settings.receiptLeavesBucketName);
      expect(object.key).toBe(`receipt-leaves/${jobId}/${part.unitId}/${object.sha256}.bin`);
      const bytes = (await objects.getBytes(object.bucket, object.key)) ?? new Uint8Array();
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(object.sha256);
      expect(bytes.byteLength).toBe(32 * Number(part.count));
      leaves += Number(part.count);
    }
    expect(leaves).toBe(signed.receipt.leafCount);
    const proof = await proveItem(pipeline.engine.context, jobId, {
      kind: 'object',
      bucket: seeded.buckets.exports,
      key: seeded.exportKey,
    });
    expect(proof.found && verifyInclusion(signed, proof.proof, publicKey).ok).toBe(true);
    expect(pipeline.handlerErrors).toEqual([]);
  });

  it('keeps the leaves of a prefix segment whose first run crashed after deleting it', async () => {
    // Prepare: the re-run reads the pinned leaves back from their object.
    const crashed = new Set<string>();
    const pipeline = await createPipelineHarness('receiptbucketcrash', {
      graph: boardGraph(),
      settings: leavesBucket('receiptbucketcrash'),
      crashPoint: (point, unitId) => {
        if (point !== 'after-objects' || !unitId.startsWith('prefix|') || crashed.has(unitId))
          return;
        crashed.add(unitId);
        throw new Error(`crash after the objects of ${unitId}`);
      },
    });

    // Act
    const { jobId, seeded, signed } = await deleteWorkspace(pipeline);

    // Assess
    expect(crashed.size).toBe(SEED.cards);
    expect(signed.receipt.root).toBe(expectedRoot(jobId, seeded));
  });

  /** The Merkle root over the leaves of `items` in job `jobId`. */
  const rootOver = (jobId: string, items: readonly ErasedItem[]) =>
    merkleRoot(items.map((item) => leafHash(jobId, item)).sort(compareHashes)).toString('hex');

  /** A valid receipt whose root, leaf count and objects deleted are those of `items`. */
  function expectReceiptOf(
    signed: SignedReceipt,
    publicKey: string,
    root: string,
    items: readonly ErasedItem[],
  ) {
    expect(signed.receipt.root).toBe(root);
    expect(signed.receipt.leafCount).toBe(items.length);
    expect(signed.receipt.totals.objectsDeleted).toBe(
      items.filter((item) => item.kind === 'object').length,
    );
    expect(verifyReceipt(signed, publicKey)).toMatchObject({ ok: true, problems: [] });
  }

  /**
   * Makes the first upload of each prefix unit's leaves fail, as a crash right after the pin
   * would leave them: the pin commits, the object never lands. `meanwhile(cardId)` runs first
   * (an upstream change to the range the unit pinned). Returns the cards whose upload failed.
   */
  function loseFirstLeavesUpload(
    pipeline: PipelineHarness,
    meanwhile: (cardId: string) => Promise<void> = async () => undefined,
  ): string[] {
    const lost: string[] = [];
    pipeline.clients.s3.middlewareStack.add(
      (next, context) => async (args) => {
        const key = String((args.input as { Key?: unknown }).Key);
        const unit = /^receipt-leaves\/[^/]+\/(prefix\|[^/]+)\//.exec(key)?.[1];
        const cardId = unit?.split('|').at(-1);
        if (context.commandName !== 'PutObjectCommand' || !cardId || lost.includes(cardId))
          return next(args);
        lost.push(cardId);
        await meanwhile(cardId);
        throw new Error(`lost the leaves upload of ${unit}`);
      },
      { step: 'initialize', name: 'loseFirstLeavesUpload' },
    );
    return lost;
  }

  it('sends a prefix segment’s pin while its leaves are still uploading, and erases only after', async () => {
    // Prepare: each leaves upload takes 300 ms; the timeline records when things happen.
    const pipeline = await createPipelineHarness('receiptbucketbeside', {
      graph: boardGraph(),
      settings: leavesBucket('receiptbucketbeside'),
    });
    const timeline: string[] = [];
    const unitOf = (key: string) => /^receipt-leaves\/[^/]+\/(prefix\|[^/]+)\//.exec(key)?.[1];
    pipeline.clients.s3.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { Key?: string; Delete?: { Objects?: { Key?: string }[] } };
        const unit = unitOf(String(input.Key));
        if (context.commandName === 'PutObjectCommand' && unit) {
          timeline.push(`upload starts ${unit}`);
          await new Promise((resolve) => setTimeout(resolve, 300));
          const result = await next(args);
          timeline.push(`upload ends ${unit}`);
          return result;
        }
        if (context.commandName === 'DeleteObjectsCommand') {
          const card = /cards\/(c\d+)\//.exec(String(input.Delete?.Objects?.[0]?.Key))?.[1];
          if (card) timeline.push(`erase ${card}`);
        }
        return next(args);
      },
      { step: 'initialize', name: 'slowLeavesUploads' },
    );
    const { docs } = pipeline.engine.context;
    const transact = docs.transact.bind(docs);
    docs.transact = async (items) => {
      for (const item of items) {
        const sk = item.kind === 'put' ? String(item.item.sk) : '';
        const unit = /^LEAVES#(prefix\|[^#]+)#0$/.exec(sk)?.[1];
        if (unit && item.kind === 'put' && item.item.object && !item.condition)
          timeline.push(`pin sent ${unit}`);
      }
      return transact(items);
    };

    // Act
    const { jobId, seeded, signed } = await deleteWorkspace(pipeline);

    // Assess: per segment, the pin goes out before the upload ends, the erase after it.
    expect(signed.receipt.root).toBe(expectedRoot(jobId, seeded));
    for (const cardId of seeded.cardIds) {
      const unit = `prefix|card|0|0|${cardId}`;
      const at = (what: string) => timeline.indexOf(`${what}`);
      expect(at(`pin sent ${unit}`)).toBeGreaterThanOrEqual(0);
      expect(at(`pin sent ${unit}`)).toBeLessThan(at(`upload ends ${unit}`));
      expect(at(`upload ends ${unit}`)).toBeLessThan(at(`erase ${cardId}`));
    }
  });

  it('erases nothing of a prefix segment before its leaves are stored, and rebuilds a lost upload from the range', async () => {
    // Prepare: each segment's pin commits, then its leaves upload fails.
    const pipeline = await createPipelineHarness('receiptbucketlost', {
      graph: boardGraph(),
      settings: leavesBucket('receiptbucketlost'),
    });
    const stillThere: boolean[] = [];
    const lost = loseFirstLeavesUpload(pipeline, async (cardId) => {
      const first = `workspaces/w1/cards/${cardId}/file1.bin`;
      const files = pipeline.engine.context.graph.buckets.files?.name ?? '';
      stillThere.push((await pipeline.engine.context.objects.existing(files, [first])).size === 1);
    });

    // Act
    const { jobId, seeded, signed, publicKey } = await deleteWorkspace(pipeline);

    // Assess: every segment lost its upload with its keys all there, and the receipt is whole.
    expect(lost.sort()).toEqual(seeded.cardIds);
    expect(stillThere).toEqual(seeded.cardIds.map(() => true));
    expect(signed.receipt.root).toBe(expectedRoot(jobId, seeded));
    expect(verifyReceipt(signed, publicKey)).toMatchObject({ ok: true, problems: [] });
  });

  it('pins a segment anew when its upload was lost and its range changed upstream since', async () => {
    // Prepare: while c1's upload is failing, one of c1's files is deleted by someone else.
    const pipeline = await createPipelineHarness('receiptbucketrepin', {
      graph: boardGraph(),
      settings: leavesBucket('receiptbucketrepin'),
    });
    const gone = 'workspaces/w1/cards/c1/file2.bin';
    loseFirstLeavesUpload(pipeline, async (cardId) => {
      if (cardId === 'c1')
        await pipeline.engine.context.objects.deleteKeys(
          pipeline.engine.context.graph.buckets.files?.name ?? '',
          [gone],
        );
    });

    // Act
    const { jobId, seeded, signed, publicKey } = await deleteWorkspace(pipeline);

    // Assess: the receipt claims c1's other files and not the one lethe did not erase.
    const erased = expectedErased(seeded).filter((item) => item.key !== gone);
    expectReceiptOf(signed, publicKey, rootOver(jobId, erased), erased);
  });

  it('keeps a receipt that agrees with its counts when a twin re-pins a segment its pinner is still uploading', async () => {
    // Prepare: c1's segment is pinned and its leaves upload hangs. Meanwhile one of c1's files
    // is deleted upstream and a twin of c1's message runs: it finds no object and a range that
    // differs from the pin, so it pins the range anew, then erases it slowly (2 s). Then the
    // pinner's upload lands, and the pinner erases its own listing and tries to settle first.
    const pipeline = await createPipelineHarness('receiptbuckettwin', {
      graph: boardGraph(),
      // Every unit through the queue, so that c1's segment has a message to deliver twice.
      settings: { ...leavesBucket('receiptbuckettwin'), inlineUnitsPerMessage: 0 },
    });
    const c1 = 'prefix|card|0|0|c1';
    const gone = 'workspaces/w1/cards/c1/file2.bin';
    const files = pipeline.engine.context.graph.buckets.files?.name ?? '';
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let pinnedKey: string | undefined;
    pipeline.clients.s3.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { Key?: string; Delete?: { Objects?: { Key?: string }[] } };
        if (context.commandName === 'PutObjectCommand' && String(input.Key).includes(`/${c1}/`)) {
          pinnedKey ??= input.Key;
          if (input.Key === pinnedKey) await released;
        }
        // The twin's erase (its listing lacks the file deleted upstream) is the slow one.
        const keys = input.Delete?.Objects?.map((o) => o.Key) ?? [];
        const twinErase = keys.some((key) => key?.includes('/cards/c1/')) && !keys.includes(gone);
        if (context.commandName === 'DeleteObjectsCommand' && twinErase)
          await new Promise((resolve) => setTimeout(resolve, 2000));
        return next(args);
      },
      { step: 'initialize', name: 'raceC1' },
    );
    let c1Message: string | undefined;
    let twin: Promise<unknown> | undefined;
    const { docs, objects } = pipeline.engine.context;
    const transact = docs.transact.bind(docs);
    let repins = 0;
    docs.transact = async (items) => {
      const leaves = items.find((item) => item.kind === 'put' && item.item.sk === `LEAVES#${c1}#0`);
      await transact(items);
      if (leaves?.condition) {
        repins++;
        release();
      } else if (leaves && c1Message && !twin) {
        await objects.deleteKeys(files, [gone]);
        twin = pipeline.engine.handleMessage(c1Message).catch((error: unknown) => error);
      }
    };

    // Act
    const { jobId, seeded, signed, publicKey } = await deleteWorkspace(pipeline, {
      onMessage: (body) => {
        if (body.includes('"type":"prefix"') && body.includes('"id":"c1"')) c1Message ??= body;
      },
    });
    await twin;

    // Assess: the twin re-pinned; whichever run settled c1, the leaves are those its counts
    // claim (without the settle's check on the pin, the pinner settled 3 files against the
    // twin's 2 leaves).
    const all = expectedErased(seeded);
    const claimed =
      signed.receipt.root === rootOver(jobId, all) ? all : all.filter((i) => i.key !== gone);
    expect(repins).toBe(1);
    expectReceiptOf(signed, publicKey, rootOver(jobId, claimed), claimed);
  });

  it('refuses to prove from leaves whose object was changed or removed since', async () => {
    // Prepare
    const pipeline = await createPipelineHarness('receiptbucketaltered', {
      graph: boardGraph(),
      settings: leavesBucket('receiptbucketaltered'),
    });
    const { jobId, seeded } = await deleteWorkspace(pipeline);
    const [first, second] = await storedParts(pipeline, jobId);
    const { objects } = pipeline.engine.context;
    const prove = () =>
      proveItem(pipeline.engine.context, jobId, {
        kind: 'object',
        bucket: seeded.buckets.exports,
        key: seeded.exportKey,
      }).then(
        () => undefined,
        (error: unknown) => (error instanceof LetheError ? error.code : error),
      );

    // Act: one byte of the first object flipped; then that undone and the second removed.
    const altered = first?.object as { bucket: string; key: string };
    const bytes = Buffer.from((await objects.getBytes(altered.bucket, altered.key)) ?? []);
    bytes[0] = (bytes[0] ?? 0) ^ 0xff;
    await objects.putBytes(altered.bucket, altered.key, bytes);
    const whenAltered = await prove();
    bytes[0] = (bytes[0] ?? 0) ^ 0xff;
    await objects.putBytes(altered.bucket, altered.key, bytes);
    const removed = second?.object as { bucket: string; key: string };
    await objects.deleteKeys(removed.bucket, [removed.key]);
    const whenRemoved = await prove();

    // Assess
    expect(whenAltered).toBe('RECEIPT_LEAVES_ALTERED');
    expect(whenRemoved).toBe('RECEIPT_LEAVES_MISSING');
  });
});
