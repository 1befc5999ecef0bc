// `receipt verify` and `prove verify` check offline with --public-key; without it they ask the
// target for the key, and with no target the error says how to check offline instead. `prove
// --row` refuses a key that cannot name a row of the graph instead of calling it not erased.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CliUsageError } from '../../../cli/cli-error.js';
import {
  formatReceipt,
  isProofFile,
  publicKeyWithSource,
  readPem,
  rowKeyOf,
  signerOf,
} from '../../../cli/receipt-command.js';
import { exampleGraph } from '../../../infra/example-graph.js';

describe('Function: publicKeyWithSource', () => {
  it('says to give --public-key when there is no target to read the key from', async () => {
    // Prepare
    const deps = {
      target: () =>
        Promise.reject(new Error('no local stack is running (start one with `lethe local`)')),
    };

    // Act
    const error = await publicKeyWithSource(deps, {}).then(
      () => undefined,
      (e: unknown) => e,
    );

    // Assess
    expect(error).toBeInstanceOf(Error);
    // One line, as the CLI prints it: the reason, then what to do.
    expect((error as Error).message).toBe(
      'no local stack is running (start one with `lethe local`); to check offline, give the public key: --public-key key.pem (from `lethe receipt public-key`)',
    );
  });

  it('says which key it checked with: the file given, or the running target’s', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'lethe-key-'));
    const file = join(dir, 'key.pem');
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = pair.publicKey.export({ format: 'pem', type: 'spki' }).toString();
    writeFileSync(file, pem);
    const signer = { keyId: async () => 'local:state', publicKeyPem: async () => pem };
    const deps = { target: async () => ({ engine: { context: { signer } } }) as never };

    // Act
    const fromFile = await publicKeyWithSource(deps, { publicKey: file });
    const fromTarget = await publicKeyWithSource(deps, {});

    // Assess
    expect(fromFile).toEqual({ pem, source: `the key in ${file}` });
    expect(fromTarget).toEqual({ pem, source: "the running target's key local:state" });
  });
});

describe('Function: rowKeyOf', () => {
  const graph = exampleGraph();
  const memberships = graph.tables.memberships?.name ?? '';
  const refusal = (table: string, json: string) => {
    try {
      rowKeyOf(graph, table, json);
      return undefined;
    } catch (error) {
      return error instanceof CliUsageError ? error.message : error;
    }
  };

  it('takes a key of exactly the table’s key attributes', () => {
    expect(rowKeyOf(graph, memberships, '{"orgId":"o1","userId":"u1"}')).toEqual({
      orgId: 'o1',
      userId: 'u1',
    });
  });

  it('refuses a key it could never find, rather than answer "not in the receipt"', () => {
    expect(refusal(memberships, '{"orgId":"o1"}')).toContain('is exactly orgId and userId');
    expect(refusal(memberships, '{"orgId":"o1","userId":"u1","role":"x"}')).toContain(
      'given: orgId, userId, role',
    );
    expect(refusal('no-such-table', '{"id":"x"}')).toContain(
      'the graph has no table no-such-table',
    );
  });
});

describe('Function: signerOf', () => {
  it('refuses --key-id on a stack that signs with its own key pair, rather than ask KMS', () => {
    const local = {
      clients: { region: 'us-east-1' },
      engine: { context: { signer: { keyId: async () => 'local:state' } } },
    } as never;

    expect(() => signerOf(local, 'nope')).toThrow(CliUsageError);
    expect(() => signerOf(local, 'nope')).toThrow('leave out --key-id');
  });
});

describe('Function: isProofFile', () => {
  it('tells a proof (as prove --json writes it, or bare) from a receipt', () => {
    const proof = { version: 1, jobId: 'j', leafIndex: 2, treeSize: 8, path: [], root: 'r' };
    expect(isProofFile({ found: true, proof })).toBe(true);
    expect(isProofFile(proof)).toBe(true);
    expect(isProofFile({ version: 1, receipt: {}, signature: {} })).toBe(false);
    expect(isProofFile('not json')).toBe(false);
  });
});

describe('Function: formatReceipt', () => {
  it('says a receipt file without a signed verification carries none, not that none exists', () => {
    // Arrange: a receipt as `lethe receipt --json` prints it, its verification removed.
    const signed = {
      receipt: {
        jobId: 'j1',
        entity: 'organization',
        id: 'o1',
        outcome: 'completed',
        timings: { requestedAt: 'r', completedAt: 'c', durationMs: 1 },
        graphFingerprint: 'g',
        counts: {},
        totals: { rowsDeleted: 0, rowsNulled: 0, objectsDeleted: 0, objectsHidden: 0 },
        leafCount: 0,
        root: 'ab',
        signedAt: 's',
      },
      signature: { keyId: 'k', algorithm: 'ECDSA_SHA_256', value: 'v' },
    } as unknown as Parameters<typeof formatReceipt>[0];

    // Act
    const text = formatReceipt(signed);

    // Assess
    expect(text).toContain('verification: none in this receipt (`lethe verify` signs one)');
    expect(text).not.toContain('yet');
  });
});

describe('Function: readPem', () => {
  it('refuses a file that is not a public key, naming the file, and reads one that is', () => {
    // Arrange
    const dir = mkdtempSync(join(tmpdir(), 'lethe-pem-'));
    const bad = join(dir, 'bad.pem');
    const good = join(dir, 'good.pem');
    writeFileSync(bad, '-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n');
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    writeFileSync(good, pem);

    // Act & Assess
    expect(() => readPem(bad)).toThrow(`${bad} is not a PEM public key`);
    expect(() => readPem(join(dir, 'missing.pem'))).toThrow('cannot read public key');
    expect(readPem(good)).toBe(pem);
  });
});
