// The key that signs receipts: an asymmetric KMS key (ECC_NIST_P256, SIGN_VERIFY). The
// functions that complete jobs — the worker, and the sweeper when it completes a job or
// publishes a completion a worker left in the outbox — write receipts and get kms:Sign; the
// key policy denies Sign to every other principal, whatever its IAM policies allow.
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';

/** Creates the receipt key (retained on stack deletion: old receipts stay verifiable). */
export function createReceiptKey(scope: Construct): kms.Key {
  return new kms.Key(scope, 'ReceiptKey', {
    description: 'lethe: signs the receipt of every completed deletion job',
    keySpec: kms.KeySpec.ECC_NIST_P256,
    keyUsage: kms.KeyUsage.SIGN_VERIFY,
  });
}

/** Grants kms:Sign to the signers' roles, and denies it to everyone else in the key policy. */
export function grantReceiptSigning(key: kms.Key, signers: readonly iam.IRole[]): void {
  for (const role of signers) key.grant(role, 'kms:Sign');
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'OnlyReceiptWritersSign',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['kms:Sign'],
      resources: ['*'],
      conditions: { ArnNotEquals: { 'aws:PrincipalArn': signers.map((r) => r.roleArn) } },
    }),
  );
}
