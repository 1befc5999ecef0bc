import { describe, expect, it } from 'vitest';
import { percentile, summarizeLatencies } from '../../../bench/small-jobs/latency-summary.js';

describe('Function: percentile', () => {
  it('returns a value some job really had (nearest rank)', () => {
    // Arrange: 1..100 shuffled
    const values = Array.from({ length: 100 }, (_, i) => ((i * 37) % 100) + 1);

    // Act & Assess
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([7, 3], 50)).toBe(3);
  });

  it('refuses no values and a percentile outside (0, 100]', () => {
    // Act & Assess
    expect(() => percentile([], 50)).toThrow(RangeError);
    expect(() => percentile([1], 0)).toThrow(RangeError);
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });
});

describe('Function: summarizeLatencies', () => {
  it('gives p50, p95, p99 and max', () => {
    // Arrange
    const latencies = Array.from({ length: 1000 }, (_, i) => i + 1);

    // Act & Assess
    expect(summarizeLatencies(latencies)).toEqual({ p50: 500, p95: 950, p99: 990, max: 1000 });
  });
});
