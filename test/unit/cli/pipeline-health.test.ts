import { describe, expect, it } from 'vitest';
import { formatPipelineHealth } from '../../../cli/pipeline-status.js';
import type { PipelineOverview } from '../../../lib/engine/pipeline-overview.js';

const overview = {
  paused: false,
  parts: [],
  deadLetters: { visible: 0, inFlight: 0 },
  sweeper: {
    lag: 2,
    oldestPendingTombstoneAgeSeconds: 6,
    oldestPendingTombstoneAt: '2026-11-30T23:00:00.000Z',
    lastSweep: {
      at: '2026-11-30T22:59:00.000Z',
      sweeper: 'main',
      paused: false,
      lag: 0,
      oldestPendingTombstoneAgeSeconds: 0,
      more: false,
      itemsRead: 12,
    },
  },
} satisfies PipelineOverview;

describe('Function: formatPipelineHealth', () => {
  it('says what a lag is: tombstones no sweep has checked yet, which the next sweep moves past', () => {
    expect(formatPipelineHealth(overview)).toBe(
      '  0 dead letter(s); sweeper lag 2 (tombstones no sweep has checked yet, oldest 6s; ' +
        'the next sweep moves past those whose cascade was sent); last sweep 2026-11-30T22:59:00.000Z',
    );
  });

  it('says lag 0 plainly, and when the dead letters or the last sweep are unknown', () => {
    const quiet = {
      ...overview,
      deadLetters: undefined,
      sweeper: { lag: 0, oldestPendingTombstoneAgeSeconds: 0 },
    } satisfies PipelineOverview;
    expect(formatPipelineHealth(quiet)).toBe(
      '  dead letters unknown (give --dlq-url); sweeper lag 0; no sweep recorded yet',
    );
  });
});
