import { App, CfnResource, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { synthExample } from './support/synth-example.js';

interface Acknowledgement {
  readonly path: string;
  readonly id: string;
  readonly reason: unknown;
}

function acknowledgements(root: IConstruct): Acknowledgement[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, unknown>).map(([id, reason]) => ({
          path: construct.node.path,
          id,
          reason,
        })),
      ),
  );
}

describe('cdk-nag AwsSolutions on the example stack', () => {
  let example: ReturnType<typeof synthExample>;

  beforeAll(() => {
    // The checks read the construct tree, not the bundles: skip bundling.
    example = synthExample({ bundle: false });
  }, 60_000);

  it('finds no unacknowledged error and no warning', () => {
    // Act
    const report = new AwsSolutionsChecks(example.app).validateScope(example.stack);

    // Assess
    const findings = report.violations.map(
      (v) => `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath)}`,
    );
    expect(findings).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('gives every acknowledgement a reason', () => {
    // Act
    const acknowledged = acknowledgements(example.stack);

    // Assess
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const acknowledgement of acknowledged) {
      expect(typeof acknowledgement.reason, acknowledgement.id).toBe('string');
      expect(String(acknowledgement.reason).trim().length, acknowledgement.id).toBeGreaterThan(20);
    }
  });

  it('acknowledges only wildcards for X-Ray, ListStreams, declared S3 prefixes, the restore log and the receipt leaves, and lethe’s buckets’ access logs', () => {
    // Act
    const ids = new Set(acknowledgements(example.stack).map((a) => a.id));

    // Assess
    for (const id of ids) {
      expect(id).toMatch(
        /^(Annotation::)?(AwsSolutions-IAM5\[Resource::(\*|arn:<AWS::Partition>:s3:::lethe-example-[a-z]+\/[a-z]+\/\*|<DeletionsRestoreBucket[0-9A-F]{8}\.Arn>\/restore-log\/\*|<DeletionsReceiptLeavesBucket[0-9A-F]{8}\.Arn>\/receipt-leaves\/\*)\]|AwsSolutions-S1)$/i,
      );
    }
  });

  it('reports an unacknowledged wildcard: the checks are live', () => {
    // Prepare
    const app = new App();
    const stack = new Stack(app, 'Probe');
    new iam.Role(stack, 'Wide', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      inlinePolicies: {
        wide: new iam.PolicyDocument({
          statements: [new iam.PolicyStatement({ actions: ['s3:*'], resources: ['*'] })],
        }),
      },
    });

    // Act
    const report = new AwsSolutionsChecks(app).validateScope(stack);

    // Assess
    expect(report.violations.map((v) => v.ruleName)).toEqual(
      expect.arrayContaining(['AwsSolutions-IAM5[Action::s3:*]', 'AwsSolutions-IAM5[Resource::*]']),
    );
    expect(stack.node.findAll().some((c) => c instanceof CfnResource)).toBe(true);
  });

  it('lets the app synthesize with the AwsSolutions plugin, as `npm run synth` does', () => {
    // Prepare
    const { app } = synthExample({ bundle: false });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

    // Act + Assess: synthesis throws on any unacknowledged finding
    expect(() => app.synth()).not.toThrow();
  });
});
