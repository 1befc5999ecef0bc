// The local stack's receipt signer: an ECDSA P-256 key pair made with node:crypto, one per
// state table, kept in that table (item RECEIPT_KEY / LOCAL: { privateKeyPem, publicKeyPem,
// createdAt }) so that `lethe local`, its workers and the CLI all find the same key. The
// first process to need it creates it (conditional put); the others read the winner's.
// Signatures are DER, as KMS's ECDSA_SHA_256. For emulators only: on AWS the construct's KMS
// key signs, and no private key is ever written to a table.
import { createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import { ConditionFailedError } from '../errors.js';
import type { StateContext } from '../model/state-context.js';
import type { ReceiptSigner } from '../ports/receipt-signer.js';

const KEY_ITEM = { pk: 'RECEIPT_KEY', sk: 'LOCAL' } as const;

interface KeyPair {
  readonly privateKeyPem: string;
  readonly publicKeyPem: string;
}

async function loadOrCreate(state: StateContext): Promise<KeyPair> {
  const existing = await state.docs.get(state.table, KEY_ITEM, true);
  if (existing) return existing as unknown as KeyPair;
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const created: KeyPair = {
    privateKeyPem: pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicKeyPem: pair.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
  };
  try {
    await state.docs.put(
      state.table,
      { ...KEY_ITEM, type: 'receipt-key', ...created, createdAt: state.now().toISOString() },
      { expression: 'attribute_not_exists(pk)' },
    );
    return created;
  } catch (error) {
    if (!(error instanceof ConditionFailedError)) throw error;
    const winner = await state.docs.get(state.table, KEY_ITEM, true);
    if (!winner) throw error;
    return winner as unknown as KeyPair;
  }
}

/** A ReceiptSigner whose key pair lives in the state table (created on first use). */
export function createLocalReceiptSigner(state: StateContext): ReceiptSigner {
  let pair: Promise<KeyPair> | undefined;
  const keys = () => {
    pair ??= loadOrCreate(state).catch((error: unknown) => {
      pair = undefined;
      throw error;
    });
    return pair;
  };
  return {
    keyId: async () => `local:${state.table}`,
    async sign(message) {
      const key = createPrivateKey((await keys()).privateKeyPem);
      return sign('sha256', message, { key, dsaEncoding: 'der' });
    },
    publicKeyPem: async () => (await keys()).publicKeyPem,
  };
}
