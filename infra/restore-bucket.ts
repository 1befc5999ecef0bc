// The restore bucket: where the worker spills a restore-log page too large for one state item
// (lib/model/restore-log.ts). Without it such a page fails its unit, so the construct creates
// one whenever any entity keeps a restore log (a window above 0 days). It holds erased rows,
// so it is an owned bucket (infra/owned-bucket.ts: private, encrypted, TLS only), and every
// object expires by a lifecycle rule a day after the longest restore window.
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { createOwnedBucket, grantUnderPrefix } from './owned-bucket.js';

/** Where spilled pages go under the bucket (`restore-log/<jobId>/<unitId>/<digest>.json.gz`). */
export const RESTORE_LOG_PREFIX = 'restore-log/';

const WHAT = "lethe's own restore bucket";

/**
 * Creates the restore bucket, or returns undefined when `longestWindowDays` is 0 (nothing is
 * logged). Objects expire `ceil(longestWindowDays) + 1` days after they were written: a page
 * is written when its unit pins, so it outlives the window it serves by at most a day.
 * Retained on stack deletion like the state table; its objects still expire.
 */
export function createRestoreBucket(
  scope: Construct,
  longestWindowDays: number,
  encryptionKey: kms.IKey | undefined,
): s3.Bucket | undefined {
  if (longestWindowDays <= 0) return undefined;
  return createOwnedBucket(scope, {
    id: 'RestoreBucket',
    ruleId: 'lethe-restore-window',
    expirationDays: Math.ceil(longestWindowDays) + 1,
    holds:
      'restore-log pages that lethe functions write and read, each expiring after the restore window',
    encryptionKey,
  });
}

/** The worker writes spilled pages (s3:PutObject under `restore-log/`), nothing else. */
export function grantRestoreLogWrites(bucket: s3.IBucket, grantee: iam.IGrantable): iam.Grant {
  return grantUnderPrefix(bucket, grantee, 's3:PutObject', RESTORE_LOG_PREFIX, WHAT);
}

/** `lethe restore` reads spilled pages back (s3:GetObject under `restore-log/`). */
export function grantRestoreLogReads(bucket: s3.IBucket, grantee: iam.IGrantable): iam.Grant {
  return grantUnderPrefix(bucket, grantee, 's3:GetObject', RESTORE_LOG_PREFIX, WHAT);
}
