import {
  type EventBridgeClient,
  ResourceNotFoundException as EventsResourceNotFound,
} from '@aws-sdk/client-eventbridge';
import {
  type LambdaClient,
  ResourceNotFoundException as LambdaResourceNotFound,
  LambdaServiceException,
  ResourceInUseException,
} from '@aws-sdk/client-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createAwsClients,
  createLambdaClient,
  destroyAwsClients,
} from '../../../lib/adapters/aws-clients.js';
import {
  type AwsPipelineSwitchOptions,
  createAwsPipelineSwitch,
} from '../../../lib/adapters/aws-pipeline-switch.js';
import { PipelineSwitchError } from '../../../lib/errors.js';
import { answerCommands } from '../../support/canned-answers.js';

// Real SDK clients; a middleware at the initialize step answers every command before it is
// serialized, signed or sent, and records what the adapter asked for. No network.

const MAPPING = '6f1c0f64-2f5c-4b43-9a55-0b0e3c7d2a10';
const RULE = 'LetheExampleStack-DeletionsSweepSchedule1A2B3C';
const QUEUE_ARN = 'arn:aws:sqs:eu-west-1:123456789012:LetheExampleStack-WorkQueue';
const STREAM_ARN =
  'arn:aws:dynamodb:eu-west-1:123456789012:table/projects/stream/2026-01-01T00:00:00.000';

interface Sent {
  readonly command: string;
  readonly input: Record<string, unknown>;
}
type Answer = (command: string, input: Record<string, unknown>, call: number) => object;

/** Answers every command of `client` with `answer` (an Error is thrown), recording each. */
function answerWith(client: LambdaClient | EventBridgeClient, answer: Answer): Sent[] {
  const sent: Sent[] = [];
  answerCommands(client, (command, input) => {
    sent.push({ command, input });
    return answer(command, input, sent.filter((s) => s.command === command).length);
  });
  return sent;
}

const notFound = (Kind: typeof LambdaResourceNotFound | typeof EventsResourceNotFound) =>
  new Kind({ message: 'The resource you requested does not exist.', $metadata: {} });

function unexpected(command: string): never {
  throw new Error(`unexpected command ${command}`);
}

const clientsToDestroy: { destroy(): void }[] = [];
afterEach(() => {
  for (const client of clientsToDestroy.splice(0)) client.destroy();
});

async function switchWith(
  options: AwsPipelineSwitchOptions,
  answers: { lambda?: Answer; events?: Answer },
) {
  const aws = createAwsClients({ region: 'eu-west-1' });
  const lambda = await createLambdaClient({ region: 'eu-west-1' });
  clientsToDestroy.push(lambda, { destroy: () => destroyAwsClients(aws) });
  const lambdaSent = answerWith(lambda, answers.lambda ?? unexpected);
  const eventsSent = answerWith(aws.eventbridge, answers.events ?? unexpected);
  const pipelineSwitch = createAwsPipelineSwitch(
    { lambda, eventbridge: aws.eventbridge },
    { busyDelayMs: 0, ...options },
  );
  return { pipelineSwitch, lambdaSent, eventsSent };
}

describe('Function: createAwsPipelineSwitch', () => {
  describe('Method: disable', () => {
    it('disables the worker’s event source mapping, then the sweeper’s rule', async () => {
      // Prepare
      const { pipelineSwitch, lambdaSent, eventsSent } = await switchWith(
        { worker: { mappingId: MAPPING }, sweeperRule: RULE },
        {
          lambda: (command) =>
            command === 'GetEventSourceMapping'
              ? { UUID: MAPPING, State: 'Enabled' }
              : { UUID: MAPPING, State: 'Disabling' },
          events: () => ({}),
        },
      );

      // Act
      const parts = await pipelineSwitch.disable();

      // Assess
      expect(lambdaSent).toEqual([
        { command: 'GetEventSourceMapping', input: { UUID: MAPPING } },
        { command: 'UpdateEventSourceMapping', input: { UUID: MAPPING, Enabled: false } },
      ]);
      expect(eventsSent).toEqual([{ command: 'DisableRule', input: { Name: RULE } }]);
      expect(parts).toEqual([
        { part: 'worker', resource: MAPPING, state: 'disabling', reported: 'Disabling' },
        { part: 'sweeper', resource: RULE, state: 'disabled', reported: 'DISABLED' },
      ]);
    });

    it('does not update a mapping that is already disabling', async () => {
      // Prepare
      const { pipelineSwitch, lambdaSent } = await switchWith(
        { worker: { mappingId: MAPPING } },
        { lambda: () => ({ UUID: MAPPING, State: 'Disabling' }) },
      );

      // Act
      const parts = await pipelineSwitch.disable();

      // Assess
      expect(lambdaSent.map((s) => s.command)).toEqual(['GetEventSourceMapping']);
      expect(parts).toEqual([
        { part: 'worker', resource: MAPPING, state: 'disabling', reported: 'Disabling' },
      ]);
    });

    it('finds the mapping from the function and its queue, over every page', async () => {
      // Prepare
      const { pipelineSwitch, lambdaSent } = await switchWith(
        { worker: { functionName: 'lethe-worker', queueArn: QUEUE_ARN } },
        {
          lambda: (command, input) => {
            if (command === 'ListEventSourceMappings') {
              return input.Marker === undefined
                ? { EventSourceMappings: [], NextMarker: 'page-2' }
                : { EventSourceMappings: [{ UUID: MAPPING, EventSourceArn: QUEUE_ARN }] };
            }
            return {
              UUID: MAPPING,
              State: command === 'GetEventSourceMapping' ? 'Enabled' : 'Disabling',
            };
          },
        },
      );

      // Act
      await pipelineSwitch.disable();
      await pipelineSwitch.state();

      // Assess
      expect(lambdaSent).toEqual([
        {
          command: 'ListEventSourceMappings',
          input: { FunctionName: 'lethe-worker', EventSourceArn: QUEUE_ARN },
        },
        {
          command: 'ListEventSourceMappings',
          input: { FunctionName: 'lethe-worker', EventSourceArn: QUEUE_ARN, Marker: 'page-2' },
        },
        { command: 'GetEventSourceMapping', input: { UUID: MAPPING } },
        { command: 'UpdateEventSourceMapping', input: { UUID: MAPPING, Enabled: false } },
        // Found once, then used by its UUID.
        { command: 'GetEventSourceMapping', input: { UUID: MAPPING } },
      ]);
    });

    it('takes the function’s only SQS mapping when no queue is given', async () => {
      // Prepare
      const { pipelineSwitch, lambdaSent } = await switchWith(
        { worker: { functionName: 'lethe-worker' } },
        {
          lambda: (command) =>
            command === 'ListEventSourceMappings'
              ? {
                  EventSourceMappings: [
                    { UUID: 'stream-mapping', EventSourceArn: STREAM_ARN },
                    { UUID: MAPPING, EventSourceArn: QUEUE_ARN },
                  ],
                }
              : { UUID: MAPPING, State: 'Disabled' },
        },
      );

      // Act
      const parts = await pipelineSwitch.disable();

      // Assess
      expect(lambdaSent[0]).toEqual({
        command: 'ListEventSourceMappings',
        input: { FunctionName: 'lethe-worker' },
      });
      expect(parts).toEqual([
        { part: 'worker', resource: MAPPING, state: 'disabled', reported: 'Disabled' },
      ]);
    });

    it('refuses to guess between several SQS mappings of the function', async () => {
      // Prepare
      const { pipelineSwitch, lambdaSent } = await switchWith(
        { worker: { functionName: 'lethe-worker' } },
        {
          lambda: () => ({
            EventSourceMappings: [
              { UUID: MAPPING, EventSourceArn: QUEUE_ARN },
              { UUID: 'other-mapping', EventSourceArn: `${QUEUE_ARN}-2` },
            ],
          }),
        },
      );

      // Act
      const disabling = pipelineSwitch.disable();

      // Assess
      await expect(disabling).rejects.toThrow(
        `function lethe-worker has 2 SQS event source mappings (${MAPPING}, other-mapping); name the worker's by its UUID`,
      );
      expect(lambdaSent.map((s) => s.command)).toEqual(['ListEventSourceMappings']);
    });

    it('says so when the function has no SQS mapping on the queue', async () => {
      // Prepare
      const { pipelineSwitch } = await switchWith(
        { worker: { functionName: 'lethe-worker', queueArn: QUEUE_ARN } },
        { lambda: () => ({ EventSourceMappings: [] }) },
      );

      // Act
      const disabling = pipelineSwitch.disable();

      // Assess
      await expect(disabling).rejects.toThrow(
        `function lethe-worker has no SQS event source mapping on ${QUEUE_ARN}`,
      );
    });

    it('waits while the mapping is busy changing state, then disables it', async () => {
      // Prepare
      const { pipelineSwitch, lambdaSent } = await switchWith(
        { worker: { mappingId: MAPPING } },
        {
          lambda: (command, _input, call) => {
            if (command === 'GetEventSourceMapping') return { UUID: MAPPING, State: 'Enabled' };
            return call === 1
              ? new ResourceInUseException({ message: 'in use', $metadata: {} })
              : { UUID: MAPPING, State: 'Disabling' };
          },
        },
      );

      // Act
      const parts = await pipelineSwitch.disable();

      // Assess
      expect(lambdaSent.map((s) => s.command)).toEqual([
        'GetEventSourceMapping',
        'UpdateEventSourceMapping',
        'UpdateEventSourceMapping',
      ]);
      expect(parts[0]?.state).toBe('disabling');
    });
  });

  describe('Method: enable', () => {
    it('enables the worker’s event source mapping, then the sweeper’s rule', async () => {
      // Prepare
      const { pipelineSwitch, lambdaSent, eventsSent } = await switchWith(
        { worker: { mappingId: MAPPING }, sweeperRule: RULE },
        {
          lambda: (command) =>
            command === 'GetEventSourceMapping'
              ? { UUID: MAPPING, State: 'Disabled' }
              : { UUID: MAPPING, State: 'Enabling' },
          events: () => ({}),
        },
      );

      // Act
      const parts = await pipelineSwitch.enable();

      // Assess
      expect(lambdaSent).toEqual([
        { command: 'GetEventSourceMapping', input: { UUID: MAPPING } },
        { command: 'UpdateEventSourceMapping', input: { UUID: MAPPING, Enabled: true } },
      ]);
      expect(eventsSent).toEqual([{ command: 'EnableRule', input: { Name: RULE } }]);
      expect(parts).toEqual([
        { part: 'worker', resource: MAPPING, state: 'enabling', reported: 'Enabling' },
        { part: 'sweeper', resource: RULE, state: 'enabled', reported: 'ENABLED' },
      ]);
    });

    it('names the rule’s event bus when it is not the default one', async () => {
      // Prepare
      const { pipelineSwitch, eventsSent } = await switchWith(
        { sweeperRule: RULE, eventBusName: 'ops' },
        { events: () => ({}) },
      );

      // Act
      await pipelineSwitch.enable();

      // Assess
      expect(eventsSent).toEqual([
        { command: 'EnableRule', input: { Name: RULE, EventBusName: 'ops' } },
      ]);
    });
  });

  describe('Method: state', () => {
    it('reports the mapping’s and the rule’s states as AWS gives them', async () => {
      // Prepare
      const { pipelineSwitch, eventsSent } = await switchWith(
        { worker: { mappingId: MAPPING }, sweeperRule: RULE },
        {
          lambda: () => ({ UUID: MAPPING, State: 'Updating' }),
          events: () => ({ Name: RULE, State: 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS' }),
        },
      );

      // Act
      const parts = await pipelineSwitch.state();

      // Assess
      expect(eventsSent).toEqual([{ command: 'DescribeRule', input: { Name: RULE } }]);
      expect(parts).toEqual([
        { part: 'worker', resource: MAPPING, state: 'changing', reported: 'Updating' },
        {
          part: 'sweeper',
          resource: RULE,
          state: 'enabled',
          reported: 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS',
        },
      ]);
    });
  });

  describe('Errors', () => {
    it('says which mapping does not exist', async () => {
      // Prepare
      const { pipelineSwitch } = await switchWith(
        { worker: { mappingId: MAPPING } },
        { lambda: () => notFound(LambdaResourceNotFound) },
      );

      // Act
      const disabling = pipelineSwitch.disable();

      // Assess
      await expect(disabling).rejects.toBeInstanceOf(PipelineSwitchError);
      await expect(disabling).rejects.toThrow(
        `the worker's event source mapping ${MAPPING} does not exist (lambda:GetEventSourceMapping: ResourceNotFoundException)`,
      );
      await expect(disabling).rejects.toMatchObject({
        resource: `the worker's event source mapping ${MAPPING}`,
        awsError: 'ResourceNotFoundException',
        retryable: false,
      });
    });

    it('says which rule does not exist, after the mapping was disabled', async () => {
      // Prepare
      const { pipelineSwitch, lambdaSent } = await switchWith(
        { worker: { mappingId: MAPPING }, sweeperRule: RULE },
        {
          lambda: (command) =>
            command === 'GetEventSourceMapping'
              ? { UUID: MAPPING, State: 'Enabled' }
              : { UUID: MAPPING, State: 'Disabling' },
          events: () => notFound(EventsResourceNotFound),
        },
      );

      // Act
      const disabling = pipelineSwitch.disable();

      // Assess
      await expect(disabling).rejects.toThrow(
        `the sweeper rule "${RULE}" does not exist (events:DisableRule: ResourceNotFoundException)`,
      );
      expect(lambdaSent.map((s) => s.command)).toContain('UpdateEventSourceMapping');
    });

    it('names the IAM action the caller lacks', async () => {
      // Prepare
      const { pipelineSwitch } = await switchWith(
        { worker: { mappingId: MAPPING } },
        {
          lambda: (command) =>
            command === 'GetEventSourceMapping'
              ? { UUID: MAPPING, State: 'Enabled' }
              : new LambdaServiceException({
                  name: 'AccessDeniedException',
                  $fault: 'client',
                  $metadata: { httpStatusCode: 403 },
                  message: 'User is not authorized to perform: lambda:UpdateEventSourceMapping',
                }),
        },
      );

      // Act
      const disabling = pipelineSwitch.disable();

      // Assess
      await expect(disabling).rejects.toThrow(
        `not allowed to change the worker's event source mapping ${MAPPING} (lambda:UpdateEventSourceMapping: AccessDeniedException); the caller needs lambda:UpdateEventSourceMapping`,
      );
    });

    it('gives up on a mapping that stays busy, with a retryable error', async () => {
      // Prepare
      const { pipelineSwitch, lambdaSent } = await switchWith(
        { worker: { mappingId: MAPPING }, busyAttempts: 3 },
        {
          lambda: (command) =>
            command === 'GetEventSourceMapping'
              ? { UUID: MAPPING, State: 'Enabled' }
              : new ResourceInUseException({ message: 'in use', $metadata: {} }),
        },
      );

      // Act
      const disabling = pipelineSwitch.disable();

      // Assess
      await expect(disabling).rejects.toMatchObject({
        name: 'PipelineSwitchError',
        retryable: true,
        message: expect.stringMatching(/is busy changing state .*ResourceInUseException/),
      });
      expect(lambdaSent.filter((s) => s.command === 'UpdateEventSourceMapping')).toHaveLength(3);
    });

    it('passes errors that are not AWS answers through unchanged', async () => {
      // Prepare
      const offline = new Error('connect ECONNREFUSED 127.0.0.1:443');
      const { pipelineSwitch } = await switchWith(
        { worker: { mappingId: MAPPING } },
        { lambda: () => offline },
      );

      // Act
      const reading = pipelineSwitch.state();

      // Assess
      await expect(reading).rejects.toBe(offline);
    });

    it('refuses to be built without a mapping or a rule', async () => {
      // Act
      const building = switchWith({}, {});

      // Assess
      await expect(building).rejects.toBeInstanceOf(PipelineSwitchError);
    });
  });
});
