// Synthesizes the example stack for the infra tests. Bundling the four functions takes a few
// seconds, so only the test that inspects the bundles asks for it; the others skip it.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { LetheExampleStack } from '../../../infra/example-stack.js';

export interface SynthesizedExample {
  readonly app: App;
  readonly stack: LetheExampleStack;
  readonly template: Template;
  readonly outdir: string;
}

export function synthExample(options: { bundle: boolean }): SynthesizedExample {
  const outdir = mkdtempSync(path.join(tmpdir(), 'lethe-infra-'));
  const app = new App({
    outdir,
    // An empty list skips bundling for every stack: assets get placeholder code.
    context: options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] },
  });
  const stack = new LetheExampleStack(app, 'LetheExampleStack', {
    env: { account: '123456789012', region: 'eu-west-1' },
  });
  const template = Template.fromStack(stack);
  return { app, stack, template, outdir };
}

type Cfn = unknown;

/** A CloudFormation value as one string: `Fn::Join` joined, `Ref`/`Fn::GetAtt` as `<…>`. */
export function flatten(value: Cfn): string {
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || value === null) return String(value);
  const record = value as Record<string, unknown>;
  if (Array.isArray(record['Fn::Join'])) {
    const [separator, parts] = record['Fn::Join'] as [string, Cfn[]];
    return parts.map(flatten).join(separator);
  }
  if (typeof record.Ref === 'string') return `<${record.Ref}>`;
  if (Array.isArray(record['Fn::GetAtt']))
    return `<${(record['Fn::GetAtt'] as string[]).join('.')}>`;
  return JSON.stringify(value);
}

export interface PolicyStatement {
  readonly policy: string;
  readonly effect: string;
  readonly actions: string[];
  readonly resources: string[];
  readonly condition: unknown;
}

function asArray<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** Every statement of every IAM policy in the template, resources flattened. */
export function policyStatements(template: Template): PolicyStatement[] {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.entries(policies).flatMap(([logicalId, policy]) =>
    asArray(policy.Properties.PolicyDocument.Statement as Record<string, unknown>[]).map(
      (statement) => ({
        policy: logicalId,
        effect: String(statement.Effect),
        actions: asArray(statement.Action as string | string[]),
        resources: asArray(statement.Resource as Cfn | Cfn[]).map(flatten),
        condition: statement.Condition,
      }),
    ),
  );
}

/** The statements of the default policy of the role a function runs as. */
export function statementsOf(template: Template, functionLogicalId: string): PolicyStatement[] {
  const fn = template.findResources('AWS::Lambda::Function')[functionLogicalId];
  if (fn === undefined) throw new Error(`no function ${functionLogicalId}`);
  const roleId = (fn.Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
  const policies = template.findResources('AWS::IAM::Policy');
  const policyIds = Object.entries(policies)
    .filter(([, policy]) =>
      asArray(policy.Properties.Roles as Cfn[]).some((role) => flatten(role) === `<${roleId}>`),
    )
    .map(([id]) => id);
  return policyStatements(template).filter((statement) => policyIds.includes(statement.policy));
}

/** Logical id of the one resource of `type` whose id starts with `prefix`. */
export function logicalId(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  if (ids.length !== 1 || ids[0] === undefined) {
    throw new Error(`expected one ${type} named ${prefix}…, found ${ids.join(', ') || 'none'}`);
  }
  return ids[0];
}
