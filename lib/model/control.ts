// The pause switch, kept in the state table so every worker, sweeper and CLI sees it, and what
// the local runtime reports back after following it (the local stand-in for an event source
// mapping's state).
//
// Item  CONTROL / PAUSE           { paused, reason?, updatedAt }
// Item  CONTROL / LOCAL_RUNTIME   { pid, worker, sweeper, updatedAt }   worker/sweeper: SwitchState
import type { SwitchState } from '../ports/pipeline-switch.js';
import type { StateContext } from './state-context.js';
import { stateKeys } from './state-keys.js';

export interface PauseFlag {
  readonly paused: boolean;
  readonly reason?: string;
  /** When the flag was last set or cleared; absent when it never was. */
  readonly updatedAt?: string;
}

export async function readPause(state: StateContext, consistent = false): Promise<PauseFlag> {
  const item = await state.docs.get(state.table, stateKeys.control(), consistent);
  return {
    paused: item?.paused === true,
    ...(typeof item?.reason === 'string' ? { reason: item.reason } : {}),
    ...(typeof item?.updatedAt === 'string' ? { updatedAt: item.updatedAt } : {}),
  };
}

export async function isPaused(state: StateContext, consistent = false): Promise<boolean> {
  return (await readPause(state, consistent)).paused;
}

export async function setPaused(
  state: StateContext,
  paused: boolean,
  reason?: string,
): Promise<void> {
  await state.docs.put(state.table, {
    ...stateKeys.control(),
    type: 'control',
    paused,
    reason,
    updatedAt: state.now().toISOString(),
  });
}

export interface LocalRuntimeReport {
  readonly pid: number;
  readonly worker: SwitchState;
  readonly sweeper: SwitchState;
  readonly updatedAt: string;
}

const SWITCH_STATES: readonly string[] = [
  'enabled',
  'enabling',
  'disabled',
  'disabling',
  'changing',
  'unknown',
] satisfies SwitchState[];

const asSwitchState = (value: unknown): SwitchState =>
  typeof value === 'string' && SWITCH_STATES.includes(value) ? (value as SwitchState) : 'unknown';

export async function writeLocalRuntimeReport(
  state: StateContext,
  report: Omit<LocalRuntimeReport, 'updatedAt'>,
): Promise<void> {
  await state.docs.put(state.table, {
    ...stateKeys.localRuntime(),
    type: 'local-runtime',
    ...report,
    updatedAt: state.now().toISOString(),
  });
}

export async function readLocalRuntimeReport(
  state: StateContext,
): Promise<LocalRuntimeReport | undefined> {
  const item = await state.docs.get(state.table, stateKeys.localRuntime(), true);
  if (item === undefined) return undefined;
  return {
    pid: Number(item.pid),
    worker: asSwitchState(item.worker),
    sweeper: asSwitchState(item.sweeper),
    updatedAt: String(item.updatedAt),
  };
}
