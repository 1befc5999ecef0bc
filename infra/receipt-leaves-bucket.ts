// The receipt leaves bucket: where the worker puts a unit's receipt leaves when they are too
// large to keep cheaply in the state table (lib/engine/leaf-store.ts: over 32 KB, such as a
// prefix unit's 10,000 keys). It holds SHA-256 hashes only, never keys, but an altered object
// would break proofs, so it is private, encrypted (with the pipeline's key when one is given),
// reachable only over TLS, written only by the worker and read by whoever writes receipts or
// proves inclusion. Objects expire by a lifecycle rule a day after receipts do
// (`receiptRetentionDays`, 400 by default), counted like the leaves items in the state table.
import { type CfnElement, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { LEAVES_OBJECT_PREFIX } from '../lib/model/leaves.js';

/**
 * Creates the receipt leaves bucket; its objects expire `receiptRetentionDays + 1` days after
 * they were written. Retained on stack deletion like the state table and the receipt key, so
 * that receipts already given out stay provable until they expire.
 */
export function createReceiptLeavesBucket(
  scope: Construct,
  receiptRetentionDays: number,
  encryptionKey: kms.IKey | undefined,
): s3.Bucket {
  const bucket = new s3.Bucket(scope, 'ReceiptLeavesBucket', {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    ...(encryptionKey === undefined
      ? { encryption: s3.BucketEncryption.S3_MANAGED }
      : { encryption: s3.BucketEncryption.KMS, encryptionKey, bucketKeyEnabled: true }),
    removalPolicy: RemovalPolicy.RETAIN,
    lifecycleRules: [
      {
        id: 'lethe-receipt-retention',
        expiration: Duration.days(receiptRetentionDays + 1),
        abortIncompleteMultipartUploadAfter: Duration.days(1),
      },
    ],
  });
  Validations.of(bucket).acknowledge({
    id: 'AwsSolutions-S1',
    reason:
      'Holds only receipt leaves (SHA-256 hashes) that lethe functions write and read, each expiring after the receipt retention; object access is audited with CloudTrail data events, not a second bucket of access logs.',
  });
  return bucket;
}

/** Lets the worker put leaves objects (s3:PutObject under `receipt-leaves/`), nothing else. */
export function grantLeavesWrites(bucket: s3.IBucket, grantee: iam.IGrantable): iam.Grant {
  return grantLeaves(bucket, grantee, 's3:PutObject');
}

/** Lets receipt writers and provers read leaves objects (s3:GetObject under `receipt-leaves/`). */
export function grantLeavesReads(bucket: s3.IBucket, grantee: iam.IGrantable): iam.Grant {
  return grantLeaves(bucket, grantee, 's3:GetObject');
}

function grantLeaves(
  bucket: s3.IBucket,
  grantee: iam.IGrantable,
  action: 's3:PutObject' | 's3:GetObject',
): iam.Grant {
  const grant = iam.Grant.addToPrincipal({
    grantee,
    actions: [action],
    resourceArns: [bucket.arnForObjects(`${LEAVES_OBJECT_PREFIX}*`)],
  });
  if (bucket.encryptionKey) {
    grant.combine(
      action === 's3:PutObject'
        ? bucket.encryptionKey.grantEncrypt(grantee)
        : bucket.encryptionKey.grantDecrypt(grantee),
    );
  }
  const role = grantee.grantPrincipal;
  if (role instanceof Construct) {
    const id = `AwsSolutions-IAM5[Resource::<${Stack.of(bucket).getLogicalId(
      bucket.node.defaultChild as CfnElement,
    )}.Arn>/${LEAVES_OBJECT_PREFIX}*]`;
    Validations.of(role).acknowledge({
      id,
      reason: `${action} is limited to the "${LEAVES_OBJECT_PREFIX}" prefix of lethe's own receipt leaves bucket; an object ARN can only express a prefix with a trailing wildcard.`,
    });
  }
  return grant;
}
