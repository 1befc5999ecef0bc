// Issue 18: large units' receipt leaves go to a bucket lethe owns. The construct creates it
// private and encrypted, expires its objects a day after receipts, lets only the worker put
// under receipt-leaves/, and lets the receipt writers and an operator's role read.
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { graph } from '../../infra/example-graph-module.js';
import { EXAMPLE_GRAPH_MODULE } from '../../infra/example-stack.js';
import { DeletionPipeline } from '../../infra/index.js';

function synth() {
  // Bundling skipped: these tests look at resources, not at code.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  const pipeline = new DeletionPipeline(stack, 'Deletions', {
    graph,
    graphModule: EXAMPLE_GRAPH_MODULE,
  });
  const operator = new iam.Role(stack, 'Operator', {
    assumedBy: new iam.AccountRootPrincipal(),
  });
  pipeline.grantReceiptReads(operator);
  return { stack, pipeline, operator, template: Template.fromStack(stack) };
}

/** The roles of every policy granting `action`, by logical id. */
function rolesGranting(template: Template, action: string): string[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) => JSON.stringify(policy.Properties.PolicyDocument).includes(`"${action}"`))
    .flatMap((policy) => (policy.Properties.Roles as { Ref: string }[]).map((r) => r.Ref))
    .sort();
}

const idOf = (stack: Stack, construct: { node: { defaultChild?: unknown } } | undefined) =>
  stack.getLogicalId(construct?.node.defaultChild as CfnElement);

describe('Class: DeletionPipeline', () => {
  describe('Receipt leaves bucket', () => {
    it('is private, encrypted, retained, and expires its objects a day after receipts (401 days)', () => {
      // Act
      const { template } = synth();

      // Assess
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
                Id: 'lethe-receipt-retention',
                ExpirationInDays: 401,
                Status: 'Enabled',
              }),
            ],
          },
        }),
      });
    });

    it('is named to the worker only, written by the worker only, and read by receipt writers and the operator', () => {
      // Act
      const { stack, pipeline, operator, template } = synth();

      // Assess
      const bucketName = { Ref: idOf(stack, pipeline.receiptLeavesBucket) };
      template.hasResourceProperties('AWS::Lambda::Function', {
        Description: Match.stringLikeRegexp('^lethe worker'),
        Environment: {
          Variables: Match.objectLike({ LETHE_RECEIPT_LEAVES_BUCKET: bucketName }),
        },
      });
      const functions = template.findResources('AWS::Lambda::Function');
      const named = Object.values(functions).filter((fn) =>
        JSON.stringify(fn.Properties.Environment ?? {}).includes('LETHE_RECEIPT_LEAVES_BUCKET'),
      );
      expect(named).toHaveLength(1);
      template.hasOutput('*', { Value: bucketName });
      const worker = idOf(stack, pipeline.workerFunction.role as never);
      const readers = [worker, idOf(stack, operator)];
      if (pipeline.sweeperFunction)
        readers.push(idOf(stack, pipeline.sweeperFunction.role as never));
      const policies = Object.values(template.findResources('AWS::IAM::Policy'));
      const onLeaves = policies.filter((p) => JSON.stringify(p).includes('/receipt-leaves/*'));
      expect(onLeaves.length).toBeGreaterThan(0);
      expect(rolesGranting(template, 's3:GetObject')).toEqual(expect.arrayContaining(readers));
      expect(rolesGranting(template, 's3:PutObject').filter((role) => role !== worker)).toEqual([]);
    });
  });
});
