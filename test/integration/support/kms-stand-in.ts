// A stand-in for the two KMS calls receipts make (AWS JSON 1.1, `TrentService.Sign` and
// `TrentService.GetPublicKey`) on 127.0.0.1, for bundles that run outside the local runtime:
// neither emulator speaks KMS. It holds one P-256 key pair and signs as KMS's ECDSA_SHA_256
// does for MessageType RAW — SHA-256 of the message, DER-encoded signature.
import { generateKeyPairSync, sign } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface KmsStandIn {
  /** `http://127.0.0.1:<port>`, for `AWS_ENDPOINT_URL_KMS`. */
  readonly endpoint: string;
  /** The key pair's public key, PEM (SPKI): what `receipt verify` is given. */
  readonly publicKeyPem: string;
  /** How many Sign calls it answered. */
  signatures(): number;
  close(): Promise<void>;
}

/** Starts the stand-in on a free port. Any other operation answers 400 `UnknownOperation`. */
export async function startKmsStandIn(): Promise<KmsStandIn> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  let signed = 0;
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      response.setHeader('content-type', 'application/x-amz-json-1.1');
      const input = JSON.parse(body || '{}') as { KeyId?: string; Message?: string };
      const target = request.headers['x-amz-target'];
      if (target === 'TrentService.Sign') {
        signed += 1;
        const signature = sign('sha256', Buffer.from(input.Message ?? '', 'base64'), {
          key: privateKey,
          dsaEncoding: 'der',
        });
        response.end(
          JSON.stringify({
            KeyId: input.KeyId,
            Signature: signature.toString('base64'),
            SigningAlgorithm: 'ECDSA_SHA_256',
          }),
        );
        return;
      }
      if (target === 'TrentService.GetPublicKey') {
        response.end(
          JSON.stringify({
            KeyId: input.KeyId,
            PublicKey: spki.toString('base64'),
            KeySpec: 'ECC_NIST_P256',
            KeyUsage: 'SIGN_VERIFY',
            SigningAlgorithms: ['ECDSA_SHA_256'],
          }),
        );
        return;
      }
      response.statusCode = 400;
      response.end(JSON.stringify({ __type: 'UnknownOperation', message: 'Sign only' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    signatures: () => signed,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
