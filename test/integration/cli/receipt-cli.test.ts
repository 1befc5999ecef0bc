// `lethe receipt verify` and `lethe prove verify` as an auditor runs them: files and a public
// key, no stack, no AWS. The receipt is made here with a key pair of the test's own.
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inclusionPath, merkleRoot } from '../../../lib/engine/merkle-tree.js';
import { compareHashes, type ErasedItem, leafHash } from '../../../lib/model/leaves.js';
import {
  type ReceiptBody,
  receiptSigningBytes,
  type SignedReceipt,
  TREE_RULE,
} from '../../../lib/model/receipts.js';
import { lethe } from '../support/lethe-cli.js';

const JOB = 'job-auditor-1';
const ITEMS: ErasedItem[] = [
  { kind: 'row', container: 'projects', key: { projectId: 'p1' } },
  { kind: 'nulled', container: 'alerts', key: { alertId: 'a1' } },
  { kind: 'object', container: 'artifacts', key: 'projects/p1/a.bin' },
  { kind: 'object', container: 'artifacts', key: 'projects/p1/b.bin' },
];

function signedReceipt(privateKey: ReturnType<typeof generateKeyPairSync>['privateKey']) {
  const leaves = ITEMS.map((item) => leafHash(JOB, item)).sort(compareHashes);
  const body: ReceiptBody = {
    version: 1,
    jobId: JOB,
    entity: 'project',
    id: 'p1',
    outcome: 'deleted',
    timings: {
      requestedAt: '2026-01-01T00:00:00.000Z',
      completedAt: '2026-01-01T00:00:05.000Z',
      durationMs: 5000,
    },
    graphFingerprint: '0123456789abcdef',
    counts: {
      'root.project': { rowsDeleted: 1 },
      'project.alert.projectId': { rowsNulled: 1 },
      'project.artifact.projectId': { objectsDeleted: 2 },
    },
    totals: { rowsDeleted: 1, rowsNulled: 1, objectsDeleted: 2, objectsHidden: 0 },
    leafCount: leaves.length,
    tree: TREE_RULE,
    root: merkleRoot(leaves).toString('hex'),
    signedAt: '2026-01-01T00:00:06.000Z',
  };
  const value = sign('sha256', receiptSigningBytes(body), { key: privateKey, dsaEncoding: 'der' });
  const signed: SignedReceipt = {
    receipt: body,
    signature: { algorithm: 'ECDSA_SHA_256', keyId: 'test', value: value.toString('base64') },
  };
  return { signed, leaves };
}

describe('CLI: receipt verify and prove verify (offline)', () => {
  it('accepts an intact receipt and proof, and refuses a tampered count or a foreign item', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'lethe-receipt-'));
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = join(dir, 'key.pem');
    writeFileSync(pem, publicKey.export({ format: 'pem', type: 'spki' }));
    const { signed, leaves } = signedReceipt(privateKey);
    const file = (name: string, value: unknown) => {
      const path = join(dir, name);
      writeFileSync(path, JSON.stringify({ version: 1, ...(value as object) }));
      return path;
    };
    const receipt = file('receipt.json', signed);
    const tampered = structuredClone(signed);
    tampered.receipt.counts['root.project'] = { rowsDeleted: 2 };
    tampered.receipt.totals.rowsDeleted = 2;
    const item = ITEMS[2] as Extract<ErasedItem, { kind: 'object' }>;
    const index = leaves.findIndex((l) => l.equals(leafHash(JOB, item)));
    const proof = {
      version: 1,
      jobId: JOB,
      item: { kind: 'object', bucket: item.container, key: item.key },
      leaf: leafHash(JOB, item).toString('hex'),
      leafIndex: index,
      treeSize: leaves.length,
      path: inclusionPath(leaves, index).map((h) => h.toString('hex')),
      root: signed.receipt.root,
    };

    // Act
    const valid = await lethe(['receipt', 'verify', receipt, '--public-key', pem]);
    const invalid = await lethe([
      'receipt',
      'verify',
      file('tampered.json', tampered),
      '--public-key',
      pem,
      '--json',
    ]);
    const proven = await lethe([
      'prove',
      'verify',
      receipt,
      file('proof.json', { found: true, proof }),
      '--public-key',
      pem,
    ]);
    const foreign = await lethe([
      'prove',
      'verify',
      receipt,
      file('foreign.json', {
        proof: { ...proof, item: { ...proof.item, key: 'projects/p2/a.bin' } },
      }),
      '--public-key',
      pem,
    ]);

    // Assess
    expect(valid).toMatchObject({ code: 0 });
    expect(valid.stdout).toContain(`receipt ${JOB} is valid`);
    expect(invalid.code).toBe(1);
    expect(JSON.parse(invalid.stdout)).toMatchObject({ ok: false });
    expect(proven).toMatchObject({ code: 0 });
    expect(proven.stdout).toContain('proof is valid');
    expect(foreign.code).toBe(1);
    expect(foreign.stdout).toContain("do not lead to the receipt's root");
  });
});
