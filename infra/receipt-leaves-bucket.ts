// The receipt leaves bucket: where the worker puts a unit's receipt leaves when they are too
// large to keep cheaply in the state table (lib/engine/leaf-store.ts: over 32 KB, such as a
// prefix unit's 10,000 keys). It holds SHA-256 hashes only, never keys, but an altered object
// would break proofs, so it is an owned bucket (infra/owned-bucket.ts: private, encrypted, TLS
// only), written only by the worker and read by whoever writes receipts or proves inclusion.
// Objects expire a day after receipts do (`receiptRetentionDays`, 400 by default), counted
// like the leaves items in the state table: from when they were written.
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { LEAVES_OBJECT_PREFIX } from '../lib/model/leaves.js';
import { createOwnedBucket, grantUnderPrefix } from './owned-bucket.js';

const WHAT = "lethe's own receipt leaves bucket";

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
  return createOwnedBucket(scope, {
    id: 'ReceiptLeavesBucket',
    ruleId: 'lethe-receipt-retention',
    expirationDays: receiptRetentionDays + 1,
    holds:
      'receipt leaves (SHA-256 hashes) that lethe functions write and read, each expiring after the receipt retention',
    encryptionKey,
  });
}

/** Lets the worker put leaves objects (s3:PutObject under `receipt-leaves/`), nothing else. */
export function grantLeavesWrites(bucket: s3.IBucket, grantee: iam.IGrantable): iam.Grant {
  return grantUnderPrefix(bucket, grantee, 's3:PutObject', LEAVES_OBJECT_PREFIX, WHAT);
}

/** Lets receipt writers and provers read leaves objects (s3:GetObject under `receipt-leaves/`). */
export function grantLeavesReads(bucket: s3.IBucket, grantee: iam.IGrantable): iam.Grant {
  return grantUnderPrefix(bucket, grantee, 's3:GetObject', LEAVES_OBJECT_PREFIX, WHAT);
}
