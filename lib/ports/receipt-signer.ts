// The port that signs receipts. Signatures are ECDSA over NIST P-256 with SHA-256, DER-encoded
// — the format of KMS's ECDSA_SHA_256 on an ECC_NIST_P256 key — so one verifier (node:crypto,
// openssl, any X.509 tool) checks receipts from a deployed pipeline and a local stack alike.

export interface ReceiptSigner {
  /** Names the key that signs: a KMS key id or ARN, or `local:<state table>`. */
  keyId(): Promise<string>;
  /** Signs `message` (SHA-256 is taken by the signer): a DER-encoded ECDSA signature. */
  sign(message: Uint8Array): Promise<Uint8Array>;
  /** The public key that checks the signatures, as a PEM `PUBLIC KEY` (SPKI). */
  publicKeyPem(): Promise<string>;
}
