import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { graph } from '../../infra/example-graph-module.js';
import { EXAMPLE_GRAPH_MODULE } from '../../infra/example-stack.js';
import { shipsHandler } from '../../infra/handler-entry.js';
import { DeletionPipeline, PipelinePropsError } from '../../infra/index.js';

function synth(props: { verifyAfterMinutes?: number }) {
  // Bundling skipped: these tests look at resources, not at code.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  const pipeline = new DeletionPipeline(stack, 'Deletions', {
    graph,
    graphModule: EXAMPLE_GRAPH_MODULE,
    ...props,
  });
  return { pipeline, template: Template.fromStack(stack) };
}

interface Statement {
  Sid?: string;
  Action: string | string[];
}

/** The statements of every policy attached to the sweeper's role. */
function sweeperStatements(template: Template, pipeline: DeletionPipeline): Statement[] {
  const role = pipeline.sweeperFunction?.role;
  if (!role) return [];
  const roleId = Stack.of(role).getLogicalId(role.node.defaultChild as never);
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) =>
      (policy.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === roleId),
    )
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
}

const actionsOf = (statements: Statement[]) =>
  statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));

describe('Class: DeletionPipeline', () => {
  describe('Prop: verifyAfterMinutes', () => {
    it('alarms on verification findings, whatever the setting', () => {
      // Act
      const { pipeline, template } = synth({});

      // Assess
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'Lethe',
        MetricName: 'VerificationFindings',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
      expect(pipeline.alarms.all).toContain(pipeline.alarms.verificationFindings);
    });

    it.runIf(shipsHandler('sweeper'))(
      'gives the sweeper the setting and read-only access to the graph’s data when on',
      () => {
        // Act
        const { pipeline, template } = synth({ verifyAfterMinutes: 60 });

        // Assess
        template.hasResourceProperties('AWS::Lambda::Function', {
          Description: 'lethe sweeper: watermarks, stalled units, intents, retention, tombstone GC',
          Environment: { Variables: { LETHE_VERIFY_AFTER_MINUTES: '60' } },
        });
        const actions = actionsOf(sweeperStatements(template, pipeline));
        expect(actions).toEqual(
          expect.arrayContaining(['dynamodb:Query', 'dynamodb:GetItem', 's3:GetObject']),
        );
        expect(actions).not.toContain('s3:DeleteObject');
      },
    );

    it.runIf(shipsHandler('sweeper'))('grants the sweeper no graph reads when off', () => {
      // Act
      const { pipeline, template } = synth({});

      // Assess
      const sids = sweeperStatements(template, pipeline).map((s) => s.Sid);
      expect(sids).not.toContain('GraphTablesVerifyRead');
    });

    it('refuses a negative number of minutes', () => {
      // Act
      const refused = (() => {
        try {
          synth({ verifyAfterMinutes: -1 });
        } catch (error) {
          return error;
        }
        return undefined;
      })();

      // Assess
      expect(refused).toBeInstanceOf(PipelinePropsError);
      expect((refused as PipelinePropsError).problems.join('\n')).toContain('verifyAfterMinutes');
    });
  });
});
