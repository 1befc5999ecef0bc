import { describe, expect, it } from 'vitest';
import { lethe } from '../support/lethe-cli.js';

describe('Command: lethe demo', () => {
  it('deletes a small organization end to end, verifies it, and reports time and memory', async () => {
    // Act
    const run = await lethe(['demo', '--scale', '0.05', '--json', '--timeout', '240']);

    // Assess
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.ok).toBe(true);
    expect(report.checks.every((c: { ok: boolean }) => c.ok)).toBe(true);
    expect(report.verification).toMatchObject({ findings: 0, items: [] });
    expect(report.checks.map((c: { name: string }) => c.name)).toContain(
      '`lethe verify` finds nothing the job should have erased',
    );
    expect(report.checks).toContainEqual(
      expect.objectContaining({
        name: 'the compliance report lists the deletion with its deadline met',
        ok: true,
      }),
    );
    expect(report.deleted.rows).toBeGreaterThan(0);
    expect(report.deleted.objects).toBeGreaterThan(0);
    expect(report.wallTimeSeconds).toBeGreaterThan(0);
    // Issue 18: the receipt is signed and consistent, and one erased object is proven in it.
    expect(report.receipt.root).toMatch(/^[0-9a-f]{64}$/);
    expect(report.checks.map((c: { name: string }) => c.name)).toEqual(
      expect.arrayContaining([
        'the receipt is signed and consistent',
        'an erased object is proven in the receipt',
      ]),
    );
    // The process's own RSS: more than an empty Node, less than the machine.
    expect(report.memory.peakRssMbDuringDeletion).toBeGreaterThan(30);
    expect(report.memory.peakRssMbDuringDeletion).toBeLessThanOrEqual(report.memory.maxRssMb + 1);
  }, 300_000);

  it('prints the text report with the job id, and its progress ends at 100%', async () => {
    // Act
    const run = await lethe(['demo', '--scale', '0.05', '--timeout', '240']);

    // Assess: stderr is not a TTY here, so each progress line is its own line.
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('lethe demo — VERIFIED');
    expect(run.stdout).toMatch(/^ {2}job {10}[0-9a-f-]{36}$/m);
    const progress = run.stderr.split('\n').filter((line) => line.includes('units '));
    expect(progress.at(-1)).toMatch(/100% {2}units (\d+)\/\1 .*done \(deleted\)/);
  }, 300_000);

  it('refuses a bad --scale or --timeout with exit code 2, before starting anything', async () => {
    const scale = await lethe(['demo', '--scale', 'lots']);
    const timeout = await lethe(['demo', '--timeout', '-5']);

    expect(scale.code).toBe(2);
    expect(scale.stderr).toContain('--scale must be a number');
    expect(timeout.code).toBe(2);
    expect(timeout.stderr).toContain('--timeout must be a whole number');
  });
});
