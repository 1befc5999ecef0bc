import { describe, expect, it } from 'vitest';
import { queueHops, type UnitTrace } from '../../../bench/small-jobs/queue-hops.js';

function unit(unitId: string, settledAt: string, spawned: string[] = []): UnitTrace {
  return { unitId, plannedAt: '2026-01-01T00:00:00.000Z', settledAt, spawned };
}

const at = (ms: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, 0, ms)).toISOString();

describe('Function: queueHops', () => {
  it('counts the chain from the root to the unit that settled last', () => {
    // Arrange: cascade → two rows units in parallel → finalize → prefix
    const units = [
      unit('cascade', at(10), ['rows-a', 'rows-b']),
      unit('rows-a', at(20)),
      unit('rows-b', at(25), ['finalize']),
      unit('finalize', at(30), ['prefix']),
      unit('prefix', at(40)),
    ];

    // Act
    const hops = queueHops(units);

    // Assess
    expect(hops).toEqual({ critical: 4, longest: 4, units: 5 });
  });

  it('counts no hop for a unit the worker ran inline, right after the commit that planned it', () => {
    // Arrange: the same chain, where only the cascade came through the queue but for one rows
    // unit, sent because its run failed inline
    const inline = (u: UnitTrace): UnitTrace => ({ ...u, ranInline: true });
    const units = [
      unit('cascade', at(10), ['rows-a', 'rows-b']),
      unit('rows-a', at(20)),
      inline(unit('rows-b', at(25), ['finalize'])),
      inline(unit('finalize', at(30), ['prefix'])),
      inline(unit('prefix', at(40))),
    ];

    // Act
    const hops = queueHops(units);

    // Assess: the prefix unit settled last, one queue message (the cascade's) above it.
    expect(hops).toEqual({ critical: 1, longest: 2, units: 5 });
  });

  it('follows the unit that settled last, not the deepest one', () => {
    // Arrange: a deep chain done early, a shallow unit settling last
    const units = [
      unit('root', at(1), ['a', 'slow']),
      unit('a', at(2), ['b']),
      unit('b', at(3), ['c']),
      unit('c', at(4)),
      unit('slow', at(90)),
    ];

    // Act & Assess
    expect(queueHops(units)).toEqual({ critical: 2, longest: 4, units: 5 });
  });

  it('takes the deepest of units settled in the same millisecond', () => {
    // Arrange
    const units = [
      unit('root', at(1), ['a', 'b']),
      unit('a', at(5), ['c']),
      unit('b', at(9)),
      unit('c', at(9)),
    ];

    // Act & Assess
    expect(queueHops(units).critical).toBe(3);
  });

  it('counts a job of one unit as one hop', () => {
    // Act & Assess
    expect(queueHops([unit('root', at(1))])).toEqual({ critical: 1, longest: 1, units: 1 });
  });

  it('counts every root of a job with several from depth one', () => {
    // Arrange: two units written with the job, each sent by ingest
    const units = [unit('r1', at(1), ['x']), unit('r2', at(2)), unit('x', at(3))];

    // Act & Assess
    expect(queueHops(units)).toEqual({ critical: 2, longest: 2, units: 3 });
  });

  it('refuses a job with a unit not settled yet', () => {
    // Arrange
    const units = [unit('root', at(1), ['open']), { unitId: 'open', plannedAt: at(1) }];

    // Act & Assess
    expect(() => queueHops(units)).toThrow(/unit open is not settled/);
  });

  it('refuses a job without units', () => {
    // Act & Assess
    expect(() => queueHops([])).toThrow(RangeError);
  });
});
