import {
  type EventBridgeClient,
  ResourceNotFoundException as EventsResourceNotFound,
} from '@aws-sdk/client-eventbridge';
import { type LambdaClient, LambdaServiceException } from '@aws-sdk/client-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createAwsClients,
  createLambdaClient,
  destroyAwsClients,
} from '../../../lib/adapters/aws-clients.js';
import { createAwsPipelineSwitch } from '../../../lib/adapters/aws-pipeline-switch.js';
import {
  pausePipeline,
  pipelineStatus,
  resumePipeline,
} from '../../../lib/engine/pause-pipeline.js';
import { isPaused, setPaused } from '../../../lib/model/control.js';
import type { StateContext } from '../../../lib/model/state-context.js';
import { answerCommands } from '../../support/canned-answers.js';
import { createPipelineHarness } from '../support/pipeline-harness.js';

// The flag lives in a real state table on DynamoDB Local; the AWS switch runs on real SDK
// clients whose commands a middleware answers, noting the flag as it stood at each command.

const MAPPING = '6f1c0f64-2f5c-4b43-9a55-0b0e3c7d2a10';
const RULE = 'lethe-sweep';

interface Seen {
  readonly command: string;
  readonly input: Record<string, unknown>;
  readonly flagWasSet: boolean;
}
type Answer = (command: string, input: Record<string, unknown>) => object;

function answerWith(
  client: LambdaClient | EventBridgeClient,
  state: StateContext,
  seen: Seen[],
  answer: Answer,
): void {
  answerCommands(
    client,
    async (command, input) => {
      seen.push({ command, input, flagWasSet: await isPaused(state, true) });
      return answer(command, input);
    },
    'cannedAnswersNotingTheFlag',
  );
}

const mappingIn = (state: string) => () => ({ UUID: MAPPING, State: state });
const toDisable: Answer = (command) =>
  mappingIn(command === 'GetEventSourceMapping' ? 'Enabled' : 'Disabling')();
const toEnable: Answer = (command) =>
  mappingIn(command === 'GetEventSourceMapping' ? 'Disabled' : 'Enabling')();
const denied = () =>
  new LambdaServiceException({
    name: 'AccessDeniedException',
    $fault: 'client',
    $metadata: { httpStatusCode: 403 },
    message: 'not authorized',
  });

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

async function pipelineWithSwitch(label: string, answers: { lambda: Answer; events: Answer }) {
  const pipeline = await createPipelineHarness(label, { settings: { shards: 1 } });
  const state = pipeline.engine.context.state;
  const aws = createAwsClients({ region: 'eu-west-1' });
  const lambda = await createLambdaClient({ region: 'eu-west-1' });
  cleanups.push(
    () => lambda.destroy(),
    () => destroyAwsClients(aws),
  );
  const seen: Seen[] = [];
  answerWith(lambda, state, seen, (command, input) => answers.lambda(command, input));
  answerWith(aws.eventbridge, state, seen, (command, input) => answers.events(command, input));
  const pipelineSwitch = createAwsPipelineSwitch(
    { lambda, eventbridge: aws.eventbridge },
    { worker: { mappingId: MAPPING }, sweeperRule: RULE, busyDelayMs: 0 },
  );
  return { pipeline, state, seen, pipelineSwitch };
}

describe('Function: pausePipeline', () => {
  it('sets the flag before it disables the worker’s mapping and the sweeper’s rule', async () => {
    // Prepare
    const { state, seen, pipelineSwitch, pipeline } = await pipelineWithSwitch('pause-order', {
      lambda: toDisable,
      events: () => ({}),
    });

    // Act
    const status = await pausePipeline(state, pipelineSwitch, 'maintenance');
    const sweep = await pipeline.engine.sweep();

    // Assess
    expect(seen.map(({ command, flagWasSet }) => ({ command, flagWasSet }))).toEqual([
      { command: 'GetEventSourceMapping', flagWasSet: true },
      { command: 'UpdateEventSourceMapping', flagWasSet: true },
      { command: 'DisableRule', flagWasSet: true },
    ]);
    expect(seen[1]?.input).toEqual({ UUID: MAPPING, Enabled: false });
    expect(status).toMatchObject({
      paused: true,
      reason: 'maintenance',
      parts: [
        { part: 'worker', resource: MAPPING, state: 'disabling' },
        { part: 'sweeper', resource: RULE, state: 'disabled' },
      ],
    });
    expect(sweep.paused).toBe(true);
  });

  it('leaves the flag set when the worker’s mapping cannot be disabled', async () => {
    // Prepare
    const { state, pipelineSwitch } = await pipelineWithSwitch('pause-denied', {
      lambda: (command) =>
        command === 'GetEventSourceMapping' ? toDisable(command, {}) : denied(),
      events: () => ({}),
    });

    // Act
    const pausing = pausePipeline(state, pipelineSwitch);

    // Assess
    await expect(pausing).rejects.toThrow(
      /not allowed to change the worker's event source mapping .*lambda:UpdateEventSourceMapping/,
    );
    expect(await isPaused(state, true)).toBe(true);
  });
});

describe('Function: resumePipeline', () => {
  it('clears the flag only after the worker’s mapping and the sweeper’s rule are enabled', async () => {
    // Prepare
    const { state, seen, pipelineSwitch } = await pipelineWithSwitch('resume-order', {
      lambda: toEnable,
      events: () => ({}),
    });
    await setPaused(state, true, 'maintenance');

    // Act
    const status = await resumePipeline(state, pipelineSwitch);

    // Assess
    expect(seen.map(({ command, flagWasSet }) => ({ command, flagWasSet }))).toEqual([
      { command: 'GetEventSourceMapping', flagWasSet: true },
      { command: 'UpdateEventSourceMapping', flagWasSet: true },
      { command: 'EnableRule', flagWasSet: true },
    ]);
    expect(seen[1]?.input).toEqual({ UUID: MAPPING, Enabled: true });
    expect(status).toMatchObject({
      paused: false,
      parts: [
        { part: 'worker', state: 'enabling' },
        { part: 'sweeper', state: 'enabled' },
      ],
    });
    expect(await isPaused(state, true)).toBe(false);
  });

  it('leaves the flag set when the sweeper’s rule cannot be enabled', async () => {
    // Prepare
    const { state, pipelineSwitch } = await pipelineWithSwitch('resume-missing-rule', {
      lambda: toEnable,
      events: () =>
        new EventsResourceNotFound({ message: 'Rule lethe-sweep does not exist.', $metadata: {} }),
    });
    await setPaused(state, true, 'maintenance');

    // Act
    const resuming = resumePipeline(state, pipelineSwitch);

    // Assess
    await expect(resuming).rejects.toThrow(
      'the sweeper rule "lethe-sweep" does not exist (events:EnableRule: ResourceNotFoundException)',
    );
    expect(await isPaused(state, true)).toBe(true);
  });
});

describe('Function: pipelineStatus', () => {
  it('reports the flag with the states AWS gives for the mapping and the rule', async () => {
    // Prepare
    const { state, pipelineSwitch } = await pipelineWithSwitch('status', {
      lambda: mappingIn('Disabled'),
      events: () => ({ Name: RULE, State: 'DISABLED' }),
    });
    await setPaused(state, true, 'maintenance');

    // Act
    const status = await pipelineStatus(state, pipelineSwitch);
    const flagOnly = await pipelineStatus(state, undefined);

    // Assess
    expect(status).toEqual({
      paused: true,
      reason: 'maintenance',
      updatedAt: expect.any(String),
      parts: [
        { part: 'worker', resource: MAPPING, state: 'disabled', reported: 'Disabled' },
        { part: 'sweeper', resource: RULE, state: 'disabled', reported: 'DISABLED' },
      ],
    });
    expect(flagOnly).toEqual({ ...status, parts: [] });
  });
});
