// The port through which the pause switch stops and starts what consumes work: on AWS the
// worker's event source mapping and the sweeper's schedule rule, locally the runtime's worker
// poller and sweeper timer. The state-table flag (lib/model/control.ts) is set around it.

/** What consumes work: the worker (queue → handler) or the sweeper (schedule → handler). */
export type SwitchPartName = 'worker' | 'sweeper';

/**
 * `disabling`: asked to stop, and may still hand out (or finish) a batch; `disabled`: nothing
 * more is consumed. `changing` covers AWS's Creating, Updating and Deleting; `unknown` a part
 * that has not reported (a local runtime that is not running).
 */
export type SwitchState =
  | 'enabled'
  | 'enabling'
  | 'disabled'
  | 'disabling'
  | 'changing'
  | 'unknown';

export interface SwitchPart {
  readonly part: SwitchPartName;
  /** The mapping UUID, the rule name, or `local runtime (pid n)`. */
  readonly resource: string;
  readonly state: SwitchState;
  /** The state as its owner reported it (`Disabling`, `ENABLED`…), for the operator. */
  readonly reported: string;
}

export interface PipelineSwitch {
  /** Asks every part to stop consuming; returns their states right after asking. */
  disable(): Promise<SwitchPart[]>;
  /** Asks every part to consume again; returns their states right after asking. */
  enable(): Promise<SwitchPart[]>;
  state(): Promise<SwitchPart[]>;
}
