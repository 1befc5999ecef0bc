// The line `lethe restore` and `lethe status` draw for a running restore: what the step is
// doing, and — when the pipeline is paused — that nothing moves until `lethe resume`.
import { describe, expect, it } from 'vitest';
import { formatRestoreProgress } from '../../../cli/restore-command.js';
import type { RestoreProgress } from '../../../lib/engine/restore-deletion.js';

const running: RestoreProgress = {
  jobId: 'j1',
  status: 'running',
  step: 0,
  steps: 5,
  stepName: 'tombstones',
  outstanding: 0,
  startedAt: '2026-11-30T00:00:00.000Z',
  tombstonesLifted: 0,
  restored: 0,
  conflicts: 0,
  skipped: 0,
};

describe('Function: formatRestoreProgress', () => {
  it('says the lift is lifting tombstones, not that no units are left', () => {
    const line = formatRestoreProgress(running);
    expect(line).toContain('step 1 of 5 (tombstones), lifting the tombstones');
    expect(line).not.toContain('0 units left');
  });

  it('counts the units left in a later step, one unit in the singular', () => {
    const step = { ...running, step: 2, stepName: 'rows (depth 0)' };
    expect(formatRestoreProgress({ ...step, outstanding: 3 })).toContain('3 units left in it');
    expect(formatRestoreProgress({ ...step, outstanding: 1 })).toContain('1 unit left in it');
  });

  it('says a paused pipeline holds the restore until lethe resume', () => {
    expect(formatRestoreProgress(running, { paused: true })).toContain(
      'the pipeline is paused: it goes on after `lethe resume`',
    );
    expect(formatRestoreProgress(running, { paused: false })).not.toContain('paused');
  });
});
