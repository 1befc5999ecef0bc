// A bucket lethe owns for its own bookkeeping (the restore bucket, the receipt leaves bucket):
// private, encrypted (with the pipeline's key when one is given), reachable only over TLS,
// retained on stack deletion, every object expiring by one lifecycle rule — no scan, no
// sweeper — and reached by grants limited to one key prefix and one action.
import { type CfnElement, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** What an owned bucket is for, as its id, its lifecycle rule and its cdk-nag notes say. */
export interface OwnedBucketProps {
  /** The construct id (`RestoreBucket`, `ReceiptLeavesBucket`). */
  readonly id: string;
  /** The lifecycle rule's id. */
  readonly ruleId: string;
  /** Days after it is written that an object expires. */
  readonly expirationDays: number;
  /** What it holds, for the reviewer of the missing access-log bucket (AwsSolutions-S1). */
  readonly holds: string;
  readonly encryptionKey: kms.IKey | undefined;
}

/** Creates an owned bucket (see the module comment). */
export function createOwnedBucket(scope: Construct, props: OwnedBucketProps): s3.Bucket {
  const { encryptionKey } = props;
  const bucket = new s3.Bucket(scope, props.id, {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    ...(encryptionKey === undefined
      ? { encryption: s3.BucketEncryption.S3_MANAGED }
      : { encryption: s3.BucketEncryption.KMS, encryptionKey, bucketKeyEnabled: true }),
    removalPolicy: RemovalPolicy.RETAIN,
    lifecycleRules: [
      {
        id: props.ruleId,
        expiration: Duration.days(props.expirationDays),
        abortIncompleteMultipartUploadAfter: Duration.days(1),
      },
    ],
  });
  Validations.of(bucket).acknowledge({
    id: 'AwsSolutions-S1',
    reason: `Holds only ${props.holds}; object access is audited with CloudTrail data events, not a second bucket of access logs.`,
  });
  return bucket;
}

/**
 * Grants one action on the objects under `prefix` (and the bucket key's encrypt or decrypt),
 * and tells cdk-nag why the object ARN ends in a wildcard. `what` names the bucket's purpose.
 */
export function grantUnderPrefix(
  bucket: s3.IBucket,
  grantee: iam.IGrantable,
  action: 's3:PutObject' | 's3:GetObject',
  prefix: string,
  what: string,
): iam.Grant {
  const grant = iam.Grant.addToPrincipal({
    grantee,
    actions: [action],
    resourceArns: [bucket.arnForObjects(`${prefix}*`)],
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
    )}.Arn>/${prefix}*]`;
    Validations.of(role).acknowledge({
      id,
      reason: `${action} is limited to the "${prefix}" prefix of ${what}; an object ARN can only express a prefix with a trailing wildcard.`,
    });
  }
  return grant;
}
