import { describe, expect, it } from 'vitest';
import { formatErasures } from '../../../cli/verify-command.js';

describe('Function: formatErasures', () => {
  it('names each follow-up job, one already running, and an owner whose tombstone expired', () => {
    expect(
      formatErasures('j-1', [
        { entity: 'project', id: 'p1', status: 'requested', jobId: 'f-1', created: true },
        { entity: 'organization', id: 'acme', status: 'requested', jobId: 'f-0', created: false },
        { entity: 'project', id: 'p2', status: 'not-tombstoned' },
      ]),
    ).toEqual([
      'erasing: follow-up job f-1 deletes project p1 again',
      'already erasing: follow-up job f-0 deletes organization acme again',
      'project p2: no longer tombstoned (its tombstone expired); delete it with `lethe delete project p2`',
      'when they completed (lethe status <followUpJobId>), run `lethe verify j-1` again',
    ]);
  });
});
