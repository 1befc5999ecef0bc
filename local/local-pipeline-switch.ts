// PipelineSwitch for the local runtime, seen from another process (the CLI). The runtime
// follows the state-table pause flag by itself (pause-watcher.ts), so there is nothing to send:
// the flag is the request, and the runtime's report in the state table is the answer. A part
// whose report still differs from the flag is on its way (`disabling`, `enabling`).
import { readLocalRuntimeReport, readPause } from '../lib/model/control.js';
import type { StateContext } from '../lib/model/state-context.js';
import type {
  PipelineSwitch,
  SwitchPart,
  SwitchPartName,
  SwitchState,
} from '../lib/ports/pipeline-switch.js';

function towardsFlag(reported: SwitchState, paused: boolean): SwitchState {
  if (paused && (reported === 'enabled' || reported === 'enabling')) return 'disabling';
  if (!paused && (reported === 'disabled' || reported === 'disabling')) return 'enabling';
  return reported;
}

export function createLocalPipelineSwitch(state: StateContext): PipelineSwitch {
  async function parts(): Promise<SwitchPart[]> {
    const [flag, report] = await Promise.all([
      readPause(state, true),
      readLocalRuntimeReport(state),
    ]);
    const names: SwitchPartName[] = ['worker', 'sweeper'];
    if (report === undefined) {
      return names.map((part) => ({
        part,
        resource: 'local runtime',
        state: 'unknown',
        reported: 'no local runtime has reported; is `lethe local` running?',
      }));
    }
    return names.map((part) => ({
      part,
      resource: `local runtime (pid ${report.pid})`,
      state: towardsFlag(report[part], flag.paused),
      reported: `${report[part]} at ${report.updatedAt}`,
    }));
  }
  return { disable: parts, enable: parts, state: parts };
}
