// PipelineSwitch on AWS: the worker's SQS event source mapping (Lambda UpdateEventSourceMapping,
// Enabled false/true) and the sweeper's schedule rule (EventBridge DisableRule/EnableRule).
// A disabled mapping stops receiving, so messages wait in the queue and their receive counts
// do not grow; nothing walks to the DLQ because of a pause.
import {
  DescribeRuleCommand,
  DisableRuleCommand,
  EnableRuleCommand,
  type EventBridgeClient,
} from '@aws-sdk/client-eventbridge';
import {
  type EventSourceMappingConfiguration,
  GetEventSourceMappingCommand,
  type LambdaClient,
  ListEventSourceMappingsCommand,
  UpdateEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import { PipelineSwitchError } from '../errors.js';
import type { PipelineSwitch, SwitchPart, SwitchState } from '../ports/pipeline-switch.js';
import { sleep } from '../retry.js';

/** The worker's mapping: by UUID, or found from the function (and queue) it connects. */
export type WorkerMappingRef =
  | { readonly mappingId: string }
  | { readonly functionName: string; readonly queueArn?: string };

export interface SwitchClients {
  readonly lambda: LambdaClient;
  readonly eventbridge: EventBridgeClient;
}

export interface AwsPipelineSwitchOptions {
  readonly worker?: WorkerMappingRef;
  /** The sweeper's schedule rule. */
  readonly sweeperRule?: string;
  /** The bus the rule is on; schedule rules live on the default bus. */
  readonly eventBusName?: string;
  /** Attempts while a mapping or rule is busy changing state (ResourceInUseException…). */
  readonly busyAttempts?: number;
  /** First back-off delay while busy; doubles each attempt. */
  readonly busyDelayMs?: number;
}

const MAPPING_STATES: Readonly<Record<string, SwitchState>> = {
  Enabled: 'enabled',
  Enabling: 'enabling',
  Disabled: 'disabled',
  Disabling: 'disabling',
  Creating: 'changing',
  Updating: 'changing',
  Deleting: 'changing',
};

/** Errors that mean "another change is under way": worth waiting for. */
const BUSY_ERRORS = new Set([
  'ResourceInUseException',
  'ResourceConflictException',
  'ConcurrentModificationException',
  'TooManyRequestsException',
]);

function awsErrorName(error: unknown): string | undefined {
  if (!(error instanceof Error) || !('$metadata' in error)) return undefined;
  return error.name;
}

function isSqsArn(arn: string | undefined): boolean {
  return arn !== undefined && /^arn:[^:]+:sqs:/.test(arn);
}

export function createAwsPipelineSwitch(
  clients: SwitchClients,
  options: AwsPipelineSwitchOptions,
): PipelineSwitch {
  const { worker, sweeperRule } = options;
  if (worker === undefined && sweeperRule === undefined) {
    throw new PipelineSwitchError('the pipeline switch needs the worker mapping or the rule', {
      resource: 'pipeline',
    });
  }
  const busyAttempts = options.busyAttempts ?? 6;
  const busyDelayMs = options.busyDelayMs ?? 500;
  const bus = options.eventBusName;
  const ruleName = `the sweeper rule "${sweeperRule}"${bus && bus !== 'default' ? ` on event bus ${bus}` : ''}`;
  let foundMapping: string | undefined;

  /** Sends one call, waiting while the resource is busy; AWS errors become clear ones. */
  async function call<T>(action: string, resource: string, send: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await send();
      } catch (error) {
        const name = awsErrorName(error);
        if (name === undefined) throw error; // not an AWS answer: network, credentials…
        if (BUSY_ERRORS.has(name) && attempt < busyAttempts) {
          await sleep(busyDelayMs * 2 ** (attempt - 1));
          continue;
        }
        const details = { resource, awsError: name };
        const reason = `${action}: ${name}`;
        if (name === 'ResourceNotFoundException') {
          throw new PipelineSwitchError(`${resource} does not exist (${reason})`, details, {
            cause: error,
          });
        }
        if (name === 'AccessDeniedException' || name === 'AccessDenied') {
          throw new PipelineSwitchError(
            `not allowed to change ${resource} (${reason}); the caller needs ${action}`,
            details,
            { cause: error },
          );
        }
        if (BUSY_ERRORS.has(name)) {
          throw new PipelineSwitchError(
            `${resource} is busy changing state (${reason}); try again in a minute`,
            details,
            { cause: error, retryable: true },
          );
        }
        const message = error instanceof Error ? error.message : String(error);
        throw new PipelineSwitchError(`${reason} on ${resource} failed: ${message}`, details, {
          cause: error,
        });
      }
    }
  }

  /** The mapping's UUID; found once from the function when not given. */
  async function workerMapping(ref: WorkerMappingRef): Promise<string> {
    if ('mappingId' in ref) return ref.mappingId;
    if (foundMapping !== undefined) return foundMapping;
    const { functionName, queueArn } = ref;
    const found: EventSourceMappingConfiguration[] = [];
    let marker: string | undefined;
    do {
      const page = await call('lambda:ListEventSourceMappings', `function ${functionName}`, () =>
        clients.lambda.send(
          new ListEventSourceMappingsCommand({
            FunctionName: functionName,
            ...(queueArn === undefined ? {} : { EventSourceArn: queueArn }),
            ...(marker === undefined ? {} : { Marker: marker }),
          }),
        ),
      );
      found.push(
        ...(page.EventSourceMappings ?? []).filter(
          (m) => m.UUID !== undefined && isSqsArn(m.EventSourceArn),
        ),
      );
      marker = page.NextMarker;
    } while (marker !== undefined);
    const on = queueArn === undefined ? '' : ` on ${queueArn}`;
    const [only, ...others] = found;
    if (only?.UUID === undefined) {
      throw new PipelineSwitchError(
        `function ${functionName} has no SQS event source mapping${on}`,
        { resource: functionName },
      );
    }
    if (others.length > 0) {
      throw new PipelineSwitchError(
        `function ${functionName} has ${found.length} SQS event source mappings${on} (${found.map((m) => m.UUID).join(', ')}); name the worker's by its UUID`,
        { resource: functionName },
      );
    }
    foundMapping = only.UUID;
    return foundMapping;
  }

  const mappingPart = (uuid: string, reported: string | undefined): SwitchPart => ({
    part: 'worker',
    resource: uuid,
    state: MAPPING_STATES[reported ?? ''] ?? 'unknown',
    reported: reported ?? 'unknown',
  });
  const rulePart = (name: string, reported: string | undefined): SwitchPart => ({
    part: 'sweeper',
    resource: name,
    // ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS is enabled too.
    state: reported?.startsWith('ENABLED')
      ? 'enabled'
      : reported === 'DISABLED'
        ? 'disabled'
        : 'unknown',
    reported: reported ?? 'unknown',
  });
  const mappingName = (uuid: string) => `the worker's event source mapping ${uuid}`;

  async function mappingState(ref: WorkerMappingRef): Promise<SwitchPart> {
    const uuid = await workerMapping(ref);
    const mapping = await call('lambda:GetEventSourceMapping', mappingName(uuid), () =>
      clients.lambda.send(new GetEventSourceMappingCommand({ UUID: uuid })),
    );
    return mappingPart(uuid, mapping.State);
  }

  async function ruleState(name: string): Promise<SwitchPart> {
    const rule = await call('events:DescribeRule', ruleName, () =>
      clients.eventbridge.send(
        new DescribeRuleCommand({ Name: name, ...(bus ? { EventBusName: bus } : {}) }),
      ),
    );
    return rulePart(name, rule.State);
  }

  async function setMapping(ref: WorkerMappingRef, enabled: boolean): Promise<SwitchPart> {
    const current = await mappingState(ref);
    // Already there or on its way: asking again would only meet ResourceInUseException.
    const there = enabled ? ['enabled', 'enabling'] : ['disabled', 'disabling'];
    if (there.includes(current.state)) return current;
    const updated = await call(
      'lambda:UpdateEventSourceMapping',
      mappingName(current.resource),
      () =>
        clients.lambda.send(
          new UpdateEventSourceMappingCommand({ UUID: current.resource, Enabled: enabled }),
        ),
    );
    return mappingPart(current.resource, updated.State);
  }

  async function setRule(name: string, enabled: boolean): Promise<SwitchPart> {
    const input = { Name: name, ...(bus ? { EventBusName: bus } : {}) };
    if (enabled) {
      await call('events:EnableRule', ruleName, () =>
        clients.eventbridge.send(new EnableRuleCommand(input)),
      );
    } else {
      await call('events:DisableRule', ruleName, () =>
        clients.eventbridge.send(new DisableRuleCommand(input)),
      );
    }
    return rulePart(name, enabled ? 'ENABLED' : 'DISABLED');
  }

  // The worker first either way: it is what takes messages off the queue.
  async function set(enabled: boolean): Promise<SwitchPart[]> {
    const parts: SwitchPart[] = [];
    if (worker !== undefined) parts.push(await setMapping(worker, enabled));
    if (sweeperRule !== undefined) parts.push(await setRule(sweeperRule, enabled));
    return parts;
  }

  return {
    disable: () => set(false),
    enable: () => set(true),
    async state() {
      const parts: SwitchPart[] = [];
      if (worker !== undefined) parts.push(await mappingState(worker));
      if (sweeperRule !== undefined) parts.push(await ruleState(sweeperRule));
      return parts;
    },
  };
}
