import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalStackError } from '../../../lib/errors.js';
import { findJava, parseJavaMajor } from '../../../local/java-runtime.js';

function fakeJava(versionLine: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'lethe-java-'));
  const path = join(dir, 'java');
  writeFileSync(path, `#!/bin/sh\necho '${versionLine}' >&2\n`);
  chmodSync(path, 0o755);
  return path;
}

describe('Function: parseJavaMajor', () => {
  it('reads modern and legacy version strings', () => {
    expect(parseJavaMajor('openjdk version "17.0.15" 2025-04-15')).toBe(17);
    expect(parseJavaMajor('openjdk version "21" 2023-09-19')).toBe(21);
    expect(parseJavaMajor('java version "1.8.0_392"')).toBe(8);
    expect(parseJavaMajor('nonsense')).toBeUndefined();
  });
});

describe('Function: findJava', () => {
  it('throws one clear error naming what to install when java is missing', () => {
    expect(() => findJava('/nonexistent/java')).toThrow(LocalStackError);
    expect(() => findJava('/nonexistent/java')).toThrow(/openjdk-17-jre-headless/);
  });

  it('throws when java is older than 17', () => {
    const java = fakeJava('java version "1.8.0_392"');
    expect(() => findJava(java)).toThrow(/Java 8 is too old.*openjdk-17-jre-headless/);
  });

  it('accepts Java 17 and newer', () => {
    const java = fakeJava('openjdk version "17.0.15" 2025-04-15');
    expect(findJava(java)).toBe(java);
  });
});
