import { describe, expect, it } from 'vitest';
import {
  type DemoProcessOutcome,
  demoTimeouts,
  endToEndRecord,
} from '../../../bench/end-to-end.js';
import type { DemoReport } from '../../../cli/demo.js';

// Typed as the demo's own report, so a change to its shape breaks this fixture at compile time.
function demoReport(overrides: Partial<DemoReport> = {}): DemoReport {
  return {
    version: 1,
    ok: true,
    jobId: 'job-1',
    seeded: { rows: 52_000, objects: 24_000, seconds: 59 },
    deleted: { rows: 48_000, rowsNulled: 1_000, objects: 22_000, sharedKept: 2_730 },
    plan: {
      rowsDeleted: 48_000,
      rowsNulled: 1_000,
      objectsDeleted: 22_000,
      objectsShared: 2_730,
      objectsLeftToTtl: 0,
      blocked: 0,
    },
    wallTimeSeconds: 35.5,
    memory: { peakRssMbDuringDeletion: 250.4, maxRssMb: 310.2 },
    units: 218,
    apiCalls: {
      'dynamodb:BatchWriteItem': 1_941,
      's3:DeleteObjects': 89,
      'sqs:ReceiveMessage': 70,
    },
    estimatedAwsCostUsd: 0.0371,
    checks: [
      { name: 'no owned row remains', ok: true, detail: '0 rows of acme left' },
      { name: "the other tenant's rows remain", ok: true, detail: 'all 5,200' },
    ],
    ...overrides,
  };
}

function outcome(overrides: Partial<DemoProcessOutcome> = {}): DemoProcessOutcome {
  return {
    code: 0,
    signal: null,
    stdout: `${JSON.stringify(demoReport(), null, 2)}\n`,
    stderr: 'starting the local stack (DynamoDB Local, fauxqs) …\n',
    elapsedSeconds: 109,
    ...overrides,
  };
}

describe('Function: endToEndRecord', () => {
  it('records a verified demo: sizes, time, requests per 1,000 items, memory, cost', () => {
    // Act
    const record = endToEndRecord(1, outcome(), 0.8);

    // Assess
    expect(record).toEqual({
      scale: 1,
      status: 'ok',
      loadAverage: 0.8,
      processSeconds: 109,
      seeded: { rows: 52_000, objects: 24_000, seconds: 59 },
      deleted: { rows: 48_000, rowsNulled: 1_000, objects: 22_000, sharedKept: 2_730 },
      itemsDeleted: 70_000,
      wallTimeSeconds: 35.5,
      units: 218,
      requests: {
        'dynamodb:BatchWriteItem': 1_941,
        's3:DeleteObjects': 89,
        'sqs:ReceiveMessage': 70,
      },
      requestsTotal: 2_100,
      requestsPer1000Items: 30,
      peakRssMbDuringDeletion: 250.4,
      maxRssMb: 310.2,
      estimatedAwsCostUsd: 0.0371,
      failedChecks: [],
    });
  });

  it('finds the report after a line a library printed on stdout first', () => {
    // Prepare
    const stdout = `{"level":"WARN","message":"slow"}\n${JSON.stringify(demoReport(), null, 2)}\n`;

    // Act
    const record = endToEndRecord(1, outcome({ stdout }), 0.8);

    // Assess
    expect(record.status).toBe('ok');
    expect(record.itemsDeleted).toBe(70_000);
  });

  it('fails an unverified demo with the checks that did not hold, keeping its numbers', () => {
    // Prepare
    const report = demoReport({
      ok: false,
      checks: [
        { name: 'no owned row remains', ok: false, detail: '3 rows of acme left' },
        { name: "the other tenant's rows remain", ok: true, detail: 'all 5,200' },
      ],
    });

    // Act
    const record = endToEndRecord(
      10,
      outcome({ code: 1, stdout: JSON.stringify(report, null, 2) }),
      1.1,
    );

    // Assess
    expect(record.status).toBe('failed');
    expect(record.reason).toBe('not verified: no owned row remains');
    expect(record.failedChecks).toEqual(['no owned row remains']);
    expect(record.wallTimeSeconds).toBe(35.5);
  });

  it('fails a demo that reported ok but did not exit 0', () => {
    // Act
    const record = endToEndRecord(1, outcome({ code: 1 }), 0.8);

    // Assess
    expect(record.status).toBe('failed');
    expect(record.reason).toBe('reported, then ended with exit code 1');
  });

  it('fails a demo that printed no report, with what it said on stderr', () => {
    // Prepare
    const stderr =
      'seeding the example graph (20 projects, scale 1) …\nlethe: the deletion did not complete within 720 s\n';

    // Act
    const record = endToEndRecord(1, outcome({ code: 1, stdout: '', stderr }), 0.8);

    // Assess
    expect(record).toEqual({
      scale: 1,
      status: 'failed',
      reason: 'no report (exit code 1): lethe: the deletion did not complete within 720 s',
      loadAverage: 0.8,
      processSeconds: 109,
      failedChecks: [],
    });
  });

  it('fails on garbage and says the process was killed after its time', () => {
    // Act
    const record = endToEndRecord(
      10,
      outcome({
        code: null,
        signal: 'SIGTERM',
        stdout: 'not { json',
        stderr: '',
        timedOutAfterSeconds: 4_500,
      }),
      0.8,
    );

    // Assess
    expect(record.status).toBe('failed');
    expect(record.reason).toBe('no report (timed out after 4500 s (killed))');
  });

  it('fails on JSON that is not a demo report, naming the first problems', () => {
    // Prepare
    const { wallTimeSeconds: _dropped, ...withoutTime } = demoReport();

    // Act
    const record = endToEndRecord(1, outcome({ stdout: JSON.stringify(withoutTime) }), 0.8);

    // Assess
    expect(record.status).toBe('failed');
    expect(record.reason).toMatch(
      /^the report is not a demo report \(version 1\): wallTimeSeconds: /,
    );
    expect(record.wallTimeSeconds).toBeUndefined();
  });
});

describe('Function: demoTimeouts', () => {
  it('gives the deletion more time at larger scales, and the process more than the deletion', () => {
    // Act
    const small = demoTimeouts(1);
    const large = demoTimeouts(10);

    // Assess
    expect(large.deletion).toBeGreaterThan(small.deletion);
    expect(small.process).toBeGreaterThan(small.deletion);
    expect(large.process).toBeGreaterThan(large.deletion);
    expect(Number.isInteger(small.deletion)).toBe(true);
  });
});
