import { describe, expect, it } from 'vitest';
import { arrivalOffsetMs, driveArrivals } from '../../../bench/small-jobs/arrivals.js';

describe('Function: arrivalOffsetMs', () => {
  it('has every event arrive at the start of a burst', () => {
    // Act & Assess
    expect(arrivalOffsetMs({ mode: 'burst' }, 0)).toBe(0);
    expect(arrivalOffsetMs({ mode: 'burst' }, 999)).toBe(0);
  });

  it('spaces steady events 1 / rate apart', () => {
    // Act & Assess
    expect(arrivalOffsetMs({ mode: 'steady', perSecond: 50 }, 0)).toBe(0);
    expect(arrivalOffsetMs({ mode: 'steady', perSecond: 50 }, 10)).toBe(200);
  });
});

describe('Function: driveArrivals', () => {
  it('handles every item, never more at once than the concurrency, each keeping its arrival time', async () => {
    // Arrange
    const items = Array.from({ length: 12 }, (_, i) => i);
    const arrivals: number[] = [];
    const handled: number[] = [];
    let inFlight = 0;
    let peak = 0;

    // Act
    await driveArrivals(items, { mode: 'burst' }, 3, async (item, arrivedAt) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      arrivals.push(arrivedAt);
      await new Promise((resolve) => setImmediate(resolve));
      handled.push(item);
      inFlight -= 1;
    });

    // Assess: items waiting for a slot still arrived at the start
    expect(handled.sort((a, b) => a - b)).toEqual(items);
    expect(peak).toBe(3);
    expect(new Set(arrivals).size).toBe(1);
  });

  it('rejects with the error of a failed item and hands out no further items', async () => {
    // Arrange
    const seen: number[] = [];

    // Act
    const settled = await driveArrivals([1, 2, 3, 4, 5], { mode: 'burst' }, 1, async (item) => {
      seen.push(item);
      if (item === 2) throw new Error('item 2 failed');
    }).then(
      () => undefined,
      (error: unknown) => error,
    );

    // Assess
    expect((settled as Error).message).toBe('item 2 failed');
    expect(seen).toEqual([1, 2]);
  });

  it('refuses a steady rate of zero', async () => {
    // Act
    const settled = await driveArrivals(
      [1],
      { mode: 'steady', perSecond: 0 },
      1,
      async () => undefined,
    ).then(
      () => undefined,
      (error: unknown) => error,
    );

    // Assess
    expect(settled).toBeInstanceOf(RangeError);
  });
});
