// lethe/local fixes fauxqs where it differs from S3, as its modules load (local/fauxqs-fixes.mjs);
// what the fixes do to deletions is tested against the emulator in
// test/integration/engine/object-keys.test.ts.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

interface FauxqsFixes {
  readonly FAUXQS_FIXES: Readonly<Record<string, readonly unknown[]>>;
  applyFauxqsFixes(file: string, source: string): string;
}

// A plain .mjs module (the emulator's process runs without a TypeScript loader).
const fixesModule = '../../../local/fauxqs-fixes.mjs';
const { FAUXQS_FIXES, applyFauxqsFixes } = (await import(fixesModule)) as FauxqsFixes;

const fauxqsRoot = fileURLToPath(new URL('../../../node_modules/fauxqs/', import.meta.url));
const installed = (file: string) => readFileSync(path.join(fauxqsRoot, file), 'utf8');
const fixedOnDisk = Object.keys(FAUXQS_FIXES).some((file) =>
  installed(file).includes('lethe patch:'),
);

describe('Function: applyFauxqsFixes', () => {
  it.skipIf(fixedOnDisk)(
    'finds the source every fix expects in the fauxqs lethe depends on',
    () => {
      for (const file of Object.keys(FAUXQS_FIXES)) {
        // Act
        const fixed = applyFauxqsFixes(file, installed(file));

        // Assess
        expect(fixed).not.toBe(installed(file));
        expect(fixed).toContain('lethe/local fix');
      }
    },
  );

  it('refuses a fauxqs whose source it does not know, naming the file and the version it needs', () => {
    // Act
    const act = () =>
      applyFauxqsFixes('dist/s3/s3Store.js', 'export class S3Store { listObjects() {} }\n');

    // Assess
    expect(act).toThrow(
      /^lethe\/local: cannot fix fauxqs's dist\/s3\/s3Store\.js: expected 1 × .*, found 0\. lethe\/local needs fauxqs 2\.4\.1/,
    );
  });

  it('leaves other files, and files fixed on disk before, as they are', () => {
    expect(applyFauxqsFixes('dist/app.js', 'export const x = 1;\n')).toBe('export const x = 1;\n');
    const patched = '// lethe patch: fixed on disk\nexport const y = 2;\n';
    expect(applyFauxqsFixes('dist/s3/s3Store.js', patched)).toBe(patched);
  });
});

describe('Package: fauxqs', () => {
  it('is pinned to the version the fixes are written for', () => {
    const manifest = JSON.parse(
      readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'),
    ) as { dependencies: Record<string, string> };

    expect(manifest.dependencies.fauxqs).toBe('2.4.1');
    expect(JSON.parse(installed('package.json')).version).toBe('2.4.1');
  });
});
