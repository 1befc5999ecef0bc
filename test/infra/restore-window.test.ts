import { fileURLToPath } from 'node:url';
import { App, type CfnElement, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import { graph as exampleGraph } from '../../infra/example-graph-module.js';
import { DeletionPipeline, PipelinePropsError } from '../../infra/index.js';
import { graph as versionedGraph } from './fixtures/versioned-example-graph.js';

const EXAMPLE_MODULE = fileURLToPath(
  new URL('../../infra/example-graph-module.ts', import.meta.url),
);

function newStack(): Stack {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  return new Stack(app, 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
}

/** The example graph with its artifacts bucket versioned and projects kept 30 days. */
const VERSIONED_MODULE = fileURLToPath(
  new URL('./fixtures/versioned-example-graph.ts', import.meta.url),
);

describe('Class: DeletionPipeline', () => {
  describe('Restore window', () => {
    it('gives an owned versioned bucket a noncurrent-version expiration as long as the longest window', () => {
      // Prepare
      const stack = newStack();
      const artifacts = new s3.Bucket(stack, 'Artifacts', {
        bucketName: 'lethe-example-artifacts',
        versioned: true,
      });

      // Act
      new DeletionPipeline(stack, 'Deletions', {
        graph: versionedGraph,
        graphModule: VERSIONED_MODULE,
        buckets: { artifacts },
      });

      // Assess
      Template.fromStack(stack).hasResourceProperties('AWS::S3::Bucket', {
        BucketName: 'lethe-example-artifacts',
        LifecycleConfiguration: {
          Rules: [
            Match.objectLike({
              Id: 'lethe-restore-window',
              NoncurrentVersionExpiration: { NoncurrentDays: 30 },
            }),
          ],
        },
      });
    });

    it('warns at synth about a versioned bucket it does not own', () => {
      const stack = newStack();

      new DeletionPipeline(stack, 'Deletions', {
        graph: versionedGraph,
        graphModule: VERSIONED_MODULE,
      });

      Annotations.fromStack(stack).hasWarning(
        '*',
        Match.stringLikeRegexp(
          'lethe-example-artifacts.*noncurrent-version expiration of at least 30 days',
        ),
      );
    });

    it('passes the window to the functions, 7 days by default, and refuses one that is not whole days', () => {
      const stack = newStack();
      new DeletionPipeline(stack, 'Deletions', {
        graph: versionedGraph,
        graphModule: VERSIONED_MODULE,
      });
      const refused = (() => {
        try {
          new DeletionPipeline(newStack(), 'Deletions', {
            graph: versionedGraph,
            graphModule: VERSIONED_MODULE,
            restoreWindow: Duration.hours(36),
          });
        } catch (error) {
          return error;
        }
        return undefined;
      })();

      Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ LETHE_RESTORE_WINDOW_DAYS: '7' }) },
      });
      expect(refused).toBeInstanceOf(PipelinePropsError);
      expect((refused as PipelinePropsError).problems).toEqual([
        'restoreWindow (days): Invalid input: expected int, received number',
      ]);
    });
  });

  describe('Restore bucket', () => {
    it('creates a private, encrypted bucket whose pages expire a day after the longest window, and lets only the worker write it', () => {
      // Prepare
      const stack = newStack();

      // Act
      const pipeline = new DeletionPipeline(stack, 'Deletions', {
        graph: versionedGraph,
        graphModule: VERSIONED_MODULE,
      });

      // Assess
      const template = Template.fromStack(stack);
      const bucketId = stack.getLogicalId(pipeline.restoreBucket?.node.defaultChild as CfnElement);
      template.hasResource('AWS::S3::Bucket', {
        DeletionPolicy: 'Retain',
        Properties: Match.objectLike({
          PublicAccessBlockConfiguration: {
            BlockPublicAcls: true,
            BlockPublicPolicy: true,
            IgnorePublicAcls: true,
            RestrictPublicBuckets: true,
          },
          BucketEncryption: Match.anyValue(),
          LifecycleConfiguration: {
            Rules: [
              Match.objectLike({
                Id: 'lethe-restore-window',
                ExpirationInDays: 31,
                Status: 'Enabled',
              }),
            ],
          },
        }),
      });
      const bucketName = { Ref: bucketId };
      template.hasResourceProperties('AWS::Lambda::Function', {
        Description: Match.stringLikeRegexp('^lethe worker'),
        Environment: { Variables: Match.objectLike({ LETHE_RESTORE_BUCKET: bucketName }) },
      });
      template.hasOutput('*', { Value: bucketName });
      // Only the worker's policy may put objects, and only under restore-log/.
      const puts = Object.entries(template.findResources('AWS::IAM::Policy')).filter(([, policy]) =>
        JSON.stringify(policy).includes('s3:PutObject'),
      );
      const workerRole = stack.getLogicalId(
        pipeline.workerFunction.role?.node.defaultChild as CfnElement,
      );
      expect(puts.map(([, policy]) => policy.Properties.Roles)).toEqual([[{ Ref: workerRole }]]);
      expect(JSON.stringify(puts[0]?.[1])).toContain('/restore-log/*');
    });

    it('creates none when no entity keeps a restore log', () => {
      const stack = newStack();

      const pipeline = new DeletionPipeline(stack, 'Deletions', {
        graph: exampleGraph,
        graphModule: EXAMPLE_MODULE,
        restoreWindow: Duration.days(0),
      });

      expect(pipeline.restoreBucket).toBeUndefined();
      // The one bucket left is the receipt leaves bucket.
      const buckets = Template.fromStack(stack).findResources('AWS::S3::Bucket');
      expect(Object.keys(buckets)).toEqual([
        stack.getLogicalId(pipeline.receiptLeavesBucket.node.defaultChild as CfnElement),
      ]);
    });
  });
});
