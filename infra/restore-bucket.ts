// The restore bucket: where the worker spills a restore-log page too large for one state item
// (lib/model/restore-log.ts). Without it such a page fails its unit, so the construct creates
// one whenever any entity keeps a restore log (a window above 0 days). It holds erased rows,
// so it is private, encrypted (with the pipeline's key when one is given), reachable only over
// TLS, and every object expires by a lifecycle rule a day after the longest restore window —
// no scan, no sweeper.
import { type CfnElement, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** Where spilled pages go under the bucket (`restore-log/<jobId>/<unitId>/<digest>.json.gz`). */
export const RESTORE_LOG_PREFIX = 'restore-log/';

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
  const bucket = new s3.Bucket(scope, 'RestoreBucket', {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    ...(encryptionKey === undefined
      ? { encryption: s3.BucketEncryption.S3_MANAGED }
      : { encryption: s3.BucketEncryption.KMS, encryptionKey, bucketKeyEnabled: true }),
    removalPolicy: RemovalPolicy.RETAIN,
    lifecycleRules: [
      {
        id: 'lethe-restore-window',
        expiration: Duration.days(Math.ceil(longestWindowDays) + 1),
        abortIncompleteMultipartUploadAfter: Duration.days(1),
      },
    ],
  });
  Validations.of(bucket).acknowledge({
    id: 'AwsSolutions-S1',
    reason:
      'Holds only restore-log pages that lethe functions write and read, each expiring after the restore window; object access is audited with CloudTrail data events, not a second bucket of access logs.',
  });
  return bucket;
}

/** What the wildcard of a restore-log grant is, for cdk-nag's reviewers. */
function acknowledgePrefix(bucket: s3.IBucket, role: Construct, action: string): void {
  const id = `AwsSolutions-IAM5[Resource::<${Stack.of(bucket).getLogicalId(
    bucket.node.defaultChild as CfnElement,
  )}.Arn>/${RESTORE_LOG_PREFIX}*]`;
  Validations.of(role).acknowledge({
    id,
    reason: `${action} is limited to the "${RESTORE_LOG_PREFIX}" prefix of lethe's own restore bucket; an object ARN can only express a prefix with a trailing wildcard.`,
  });
}

function grantRestoreLog(
  bucket: s3.IBucket,
  grantee: iam.IGrantable,
  action: 's3:PutObject' | 's3:GetObject',
): iam.Grant {
  const grant = iam.Grant.addToPrincipal({
    grantee,
    actions: [action],
    resourceArns: [bucket.arnForObjects(`${RESTORE_LOG_PREFIX}*`)],
  });
  if (bucket.encryptionKey) {
    grant.combine(
      action === 's3:PutObject'
        ? bucket.encryptionKey.grantEncrypt(grantee)
        : bucket.encryptionKey.grantDecrypt(grantee),
    );
  }
  const role = grantee.grantPrincipal;
  if (role instanceof Construct) acknowledgePrefix(bucket, role, action);
  return grant;
}

/** The worker writes spilled pages (s3:PutObject under `restore-log/`), nothing else. */
export function grantRestoreLogWrites(bucket: s3.IBucket, grantee: iam.IGrantable): iam.Grant {
  return grantRestoreLog(bucket, grantee, 's3:PutObject');
}

/** `lethe restore` reads spilled pages back (s3:GetObject under `restore-log/`). */
export function grantRestoreLogReads(bucket: s3.IBucket, grantee: iam.IGrantable): iam.Grant {
  return grantRestoreLog(bucket, grantee, 's3:GetObject');
}
