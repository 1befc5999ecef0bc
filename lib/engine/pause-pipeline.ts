// Pausing and resuming a pipeline: the state-table flag and the switch that stops what
// consumes work. The flag is set before anything is switched off and cleared only after
// everything is switched on again, so it covers the whole time the worker does not run: the
// sweeper, which honours the flag, never takes units that wait in a stopped queue for lost
// ones (and re-sends them, or reports their jobs stalled). If switching fails half-way, the
// flag stays set and the operator runs the same command again.
import { PipelineSwitchError } from '../errors.js';
import { type PauseFlag, readPause, setPaused } from '../model/control.js';
import type { StateContext } from '../model/state-context.js';
import type { PipelineSwitch, SwitchPart } from '../ports/pipeline-switch.js';
import { sleep } from '../retry.js';

export interface PipelineStatus extends PauseFlag {
  /** What consumes work, and whether it does; empty when no switch was given. */
  readonly parts: readonly SwitchPart[];
}

export async function pausePipeline(
  state: StateContext,
  pipelineSwitch: PipelineSwitch,
  reason?: string,
): Promise<PipelineStatus> {
  await setPaused(state, true, reason);
  const parts = await pipelineSwitch.disable();
  return { ...(await readPause(state, true)), parts };
}

export async function resumePipeline(
  state: StateContext,
  pipelineSwitch: PipelineSwitch,
): Promise<PipelineStatus> {
  const parts = await pipelineSwitch.enable();
  await setPaused(state, false);
  return { ...(await readPause(state, true)), parts };
}

export async function pipelineStatus(
  state: StateContext,
  pipelineSwitch: PipelineSwitch | undefined,
): Promise<PipelineStatus> {
  const [flag, parts] = await Promise.all([
    readPause(state, true),
    pipelineSwitch?.state() ?? Promise.resolve([]),
  ]);
  return { ...flag, parts };
}

export interface WaitOptions {
  readonly timeoutMs: number;
  readonly intervalMs?: number;
}

/**
 * Polls the switch until every part is `wanted` (a disabling mapping may still hand out a
 * batch; a disabled one does not). Throws PipelineSwitchError naming the parts still on
 * their way when `timeoutMs` passes.
 */
export async function waitForSwitch(
  pipelineSwitch: PipelineSwitch,
  wanted: 'enabled' | 'disabled',
  options: WaitOptions,
): Promise<SwitchPart[]> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const parts = await pipelineSwitch.state();
    const pending = parts.filter((p) => p.state !== wanted);
    if (pending.length === 0) return parts;
    if (Date.now() >= deadline) {
      throw new PipelineSwitchError(
        `gave up after ${Math.round(options.timeoutMs / 1000)} s waiting for ${wanted}: ${pending
          .map((p) => `${p.part} ${p.resource} is ${p.state} (${p.reported})`)
          .join(', ')}`,
        { resource: pending.map((p) => p.resource).join(', ') },
        { retryable: true },
      );
    }
    await sleep(options.intervalMs ?? 1000);
  }
}
