// Signs receipts with an asymmetric KMS key (ECC_NIST_P256, SIGN_VERIFY): the private key
// never leaves KMS, and only the role the construct grants kms:Sign can sign.

import { createPublicKey } from 'node:crypto';
import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import type { ReceiptSigner } from '../ports/receipt-signer.js';

export interface KmsReceiptSignerOptions {
  /** Key id, ARN or alias of the receipt key. */
  readonly keyId: string;
  /** @default the SDK's region resolution (AWS_REGION) */
  readonly region?: string | undefined;
  /** A client of your own (endpoint, credentials); built from `region` when absent. */
  readonly client?: KMSClient | undefined;
}

/** A ReceiptSigner backed by KMS `Sign` (MessageType RAW, ECDSA_SHA_256) and `GetPublicKey`. */
export function createKmsReceiptSigner(options: KmsReceiptSignerOptions): ReceiptSigner {
  const client = options.client ?? new KMSClient(options.region ? { region: options.region } : {});
  let publicKey: Promise<string> | undefined;
  return {
    keyId: async () => options.keyId,
    async sign(message) {
      const answer = await client.send(
        new SignCommand({
          KeyId: options.keyId,
          Message: message,
          MessageType: 'RAW',
          SigningAlgorithm: 'ECDSA_SHA_256',
        }),
      );
      if (!answer.Signature) throw new Error(`KMS returned no signature for ${options.keyId}`);
      return answer.Signature;
    },
    publicKeyPem() {
      publicKey ??= client
        .send(new GetPublicKeyCommand({ KeyId: options.keyId }))
        .then((answer) => {
          if (!answer.PublicKey) throw new Error(`KMS returned no public key for ${options.keyId}`);
          return createPublicKey({
            key: Buffer.from(answer.PublicKey),
            format: 'der',
            type: 'spki',
          })
            .export({ format: 'pem', type: 'spki' })
            .toString();
        });
      return publicKey;
    },
  };
}
