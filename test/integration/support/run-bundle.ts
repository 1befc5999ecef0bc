// Runs the synthesized Lambda bundles (cdk.out/asset.*/index.mjs) in Node 24, each invocation
// in a fresh child process whose environment is exactly the function's `Environment.Variables`
// from the template (tokens resolved to emulator resources) plus what the Lambda runtime and
// the test add: region, local credentials and the SDK's own `AWS_ENDPOINT_URL_<SERVICE>`
// overrides. Nothing else reaches the bundle, so a misspelt or missing variable fails it.
import { fork } from 'node:child_process';
import { mkdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Template } from 'aws-cdk-lib/assertions';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The project's Node 24 (the `node` devDependency), the version the functions run on. */
export const NODE_24 = path.join(REPO_ROOT, 'node_modules', 'node', 'bin', 'node');

const CHILD = fileURLToPath(new URL('./bundle-child.mjs', import.meta.url));

/** The bundle a function's code asset holds. */
export function bundleOf(template: Template, outdir: string, functionId: string): string {
  const resource = template.findResources('AWS::Lambda::Function')[functionId];
  if (resource === undefined) throw new Error(`no function ${functionId} in the template`);
  const key = String(resource.Properties.Code.S3Key).replace(/\.zip$/, '');
  return path.join(outdir, `asset.${key}`, 'index.mjs');
}

/**
 * Makes `@aws-sdk/*` (and only that) importable from the bundles in `outdir`, as the Lambda
 * Node.js runtime provides it: the bundles leave it out, everything else must be inside them.
 */
export function provideRuntimeSdk(outdir: string): void {
  const modules = path.join(outdir, 'node_modules');
  mkdirSync(modules, { recursive: true });
  symlinkSync(path.join(REPO_ROOT, 'node_modules', '@aws-sdk'), path.join(modules, '@aws-sdk'));
}

/**
 * A function's environment from the template, each CloudFormation token resolved through
 * `resolve` (logical id → value). A token it does not know fails: the test would otherwise
 * hand the bundle a value the deployed function never sees.
 */
export function functionEnvironment(
  template: Template,
  functionId: string,
  resolve: (logicalId: string) => string | undefined,
): Record<string, string> {
  const resource = template.findResources('AWS::Lambda::Function')[functionId];
  const variables = (resource?.Properties.Environment?.Variables ?? {}) as Record<string, unknown>;
  const value = (name: string, token: unknown): string => {
    if (typeof token === 'string') return token;
    const record = token as Record<string, unknown>;
    const ref =
      typeof record.Ref === 'string'
        ? record.Ref
        : Array.isArray(record['Fn::GetAtt'])
          ? (record['Fn::GetAtt'] as string[]).join('.')
          : undefined;
    const resolved = ref === undefined ? undefined : resolve(ref);
    if (resolved === undefined) {
      throw new Error(`${functionId}: cannot resolve ${name} = ${JSON.stringify(token)}`);
    }
    return resolved;
  };
  return Object.fromEntries(
    Object.entries(variables).map(([name, token]) => [name, value(name, token)]),
  );
}

export interface BundleInvocation {
  readonly bundle: string;
  readonly env: Record<string, string>;
  readonly event: unknown;
  readonly functionName: string;
  /** What `context.getRemainingTimeInMillis()` counts down from. @default 60_000 */
  readonly timeoutMs?: number;
}

/**
 * Invokes a bundle's `handler` once in a fresh Node 24 process (a cold start) and resolves
 * with what it returned. Rejects with the handler's error, or the process's exit, together
 * with everything it printed.
 */
export function invokeBundle<T>(invocation: BundleInvocation): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = fork(CHILD, [], {
      execPath: NODE_24,
      execArgv: [],
      env: invocation.env,
      silent: true,
    });
    let output = '';
    child.stdout?.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr?.on('data', (chunk) => {
      output += chunk;
    });
    let reply: { result?: unknown; error?: string } | undefined;
    child.on('message', (message) => {
      reply = message as typeof reply;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (reply?.error !== undefined) {
        reject(new Error(`${invocation.functionName} failed: ${reply.error}\n${output}`));
      } else if (reply === undefined) {
        reject(
          new Error(
            `${invocation.functionName} exited (${code ?? signal}) without an answer\n${output}`,
          ),
        );
      } else {
        resolve(reply.result as T);
      }
    });
    child.send({
      bundle: invocation.bundle,
      event: invocation.event,
      functionName: invocation.functionName,
      timeoutMs: invocation.timeoutMs ?? 60_000,
    });
  });
}
