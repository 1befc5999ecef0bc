import { describe, expect, it } from 'vitest';
import { parseBenchArgs, USAGE } from '../../../bench/bench-options.js';

function smallJobsOf(argv: string[]): number | undefined {
  const parsed = parseBenchArgs(argv);
  if (parsed.kind !== 'run') throw new Error(`expected a run, got ${parsed.kind}`);
  return parsed.options.smallJobs;
}

function e2eOf(argv: string[]): readonly number[] | undefined {
  const parsed = parseBenchArgs(argv);
  if (parsed.kind !== 'run') throw new Error(`expected a run, got ${parsed.kind}`);
  return parsed.options.e2e;
}

describe('Function: parseBenchArgs', () => {
  describe('Option: --e2e', () => {
    it('runs the demo at 1× and 10× by default', () => {
      // Act & Assess
      expect(e2eOf([])).toEqual([1, 10]);
    });

    it('runs it at 0.1× with --quick', () => {
      // Act & Assess
      expect(e2eOf(['--quick'])).toEqual([0.1]);
    });

    it('takes scales separated by commas, smallest first, each once', () => {
      // Act & Assess
      expect(e2eOf(['--e2e', '10, 1,0.05,1'])).toEqual([0.05, 1, 10]);
      expect(e2eOf(['--quick', '--e2e', '0.05,0.1'])).toEqual([0.05, 0.1]);
    });

    it('skips the demo with none', () => {
      // Act & Assess
      expect(e2eOf(['--e2e', 'none'])).toEqual([]);
    });

    it.each([['0'], ['-1'], ['101'], ['lots'], [''], ['1,,10'], ['1,Infinity']])(
      'refuses %j, naming the flag and the allowed range',
      (value) => {
        // Act & Assess (`--e2e=…`: a separate argument starting with a dash is not a value)
        expect(() => parseBenchArgs([`--e2e=${value}`])).toThrow(
          /--e2e: expected scales in \(0, 100\] separated by commas, or none/,
        );
      },
    );

    it('accepts the largest scale the demo takes', () => {
      // Act & Assess
      expect(e2eOf(['--e2e', '100'])).toEqual([100]);
    });
  });

  describe('Option: --only with --e2e', () => {
    it('runs the demo when the list names e2e', () => {
      // Act & Assess
      expect(e2eOf(['--only', 'e2e'])).toEqual([1, 10]);
      expect(e2eOf(['--only', 'lethe,e2e', '--e2e', '0.5'])).toEqual([0.5]);
    });

    it('skips the demo when the list does not name e2e', () => {
      // Act & Assess
      expect(e2eOf(['--only', 'lethe'])).toEqual([]);
      expect(e2eOf(['--only', 'lethe', '--e2e', '1'])).toEqual([]);
    });

    it('refuses an id no runner has, and names the ids it knows', () => {
      // Act & Assess
      expect(() => parseBenchArgs(['--only', 'lethe,bare-delete-object'])).toThrow(
        /unknown runner "bare-delete-object"; known: lethe, lethe-without-receipt-leaves, bare-delete-objects, .*lethe-without-restore-log, .*e2e/,
      );
      expect(() => parseBenchArgs(['--only', ','])).toThrow(/--only: expected runner ids/);
    });

    it('refuses --only e2e with --e2e none, which would run nothing', () => {
      // Act & Assess
      expect(() => parseBenchArgs(['--only', 'e2e', '--e2e', 'none'])).toThrow(/runs nothing/);
    });
  });

  describe('Option: --small-jobs', () => {
    it('runs 1,000 small jobs by default and 50 with --quick', () => {
      // Act & Assess
      expect(smallJobsOf([])).toBe(1_000);
      expect(smallJobsOf(['--quick'])).toBe(50);
    });

    it('takes a number of users, and none to skip the suite', () => {
      // Act & Assess
      expect(smallJobsOf(['--small-jobs', '200'])).toBe(200);
      expect(smallJobsOf(['--small-jobs', '1_000'])).toBe(1_000);
      expect(smallJobsOf(['--quick', '--small-jobs', '20'])).toBe(20);
      expect(smallJobsOf(['--small-jobs', 'none'])).toBeUndefined();
    });

    it.each([['0'], ['-5'], ['1.5'], ['lots'], [''], ['2000000']])(
      'refuses %j, naming the flag',
      (value) => {
        // Act & Assess
        expect(() => parseBenchArgs([`--small-jobs=${value}`])).toThrow(
          /--small-jobs: expected a whole number of users up to 1,000,000, or none/,
        );
      },
    );

    it('runs only with --only when the list names small-jobs', () => {
      // Act & Assess
      expect(smallJobsOf(['--only', 'small-jobs', '--small-jobs', '20'])).toBe(20);
      expect(smallJobsOf(['--only', 'lethe'])).toBeUndefined();
      expect(smallJobsOf(['--only', 'e2e,small-jobs'])).toBe(1_000);
    });

    it('refuses --only small-jobs with --small-jobs none, which would run nothing', () => {
      // Act & Assess
      expect(() => parseBenchArgs(['--only', 'small-jobs', '--small-jobs', 'none'])).toThrow(
        /runs nothing/,
      );
    });
  });

  describe('Option: --pair-passes', () => {
    const passesOf = (argv: string[]) => {
      const parsed = parseBenchArgs(argv);
      if (parsed.kind !== 'run') throw new Error(`expected a run, got ${parsed.kind}`);
      return parsed.options.pairPasses;
    };

    it('runs each pair 4 times by default and twice with --quick', () => {
      // Act & Assess
      expect(passesOf([])).toBe(4);
      expect(passesOf(['--quick'])).toBe(2);
      expect(passesOf(['--pair-passes', '1'])).toBe(1);
      expect(passesOf(['--quick', '--pair-passes', '6'])).toBe(6);
    });

    it.each([['0'], ['11'], ['2.5'], ['many'], ['']])('refuses %j, naming the flag', (value) => {
      // Act & Assess
      expect(() => parseBenchArgs([`--pair-passes=${value}`])).toThrow(
        `--pair-passes: expected a whole number from 1 to 10; got "${value}"`,
      );
    });
  });

  describe('Constant: USAGE', () => {
    it('documents --e2e, its defaults and the e2e id of --only', () => {
      // Assess
      expect(USAGE).toContain('--e2e <s,s,…>');
      expect(USAGE).toContain('default 1,10; with --quick 0.1');
      expect(USAGE).toMatch(/e2e is the end-to-end\s+demo/);
    });

    it('documents --small-jobs, its defaults and the small-jobs id of --only', () => {
      // Assess
      expect(USAGE).toContain('--small-jobs <n>');
      expect(USAGE).toContain('(default 1000; with\n                     --quick 50)');
      expect(USAGE).toMatch(/small-jobs the small-jobs suite/);
    });
  });
});
