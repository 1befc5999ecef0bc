// The folder layout is the architecture: imports run one way, cli → infra / local →
// functions → lib, and lib/ knows nothing of Lambda or CDK. This reads every import in the
// shipped folders and holds each layer to what it may reach.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

type Layer = 'cli' | 'infra' | 'local' | 'functions' | 'lib';

/** The layers each layer may import from (itself included). */
const MAY_IMPORT: Readonly<Record<Layer, readonly Layer[]>> = {
  cli: ['cli', 'infra', 'local', 'functions', 'lib'],
  infra: ['infra', 'functions', 'lib'],
  local: ['local', 'functions', 'lib'],
  functions: ['functions', 'lib'],
  lib: ['lib'],
};

/** Packages that belong to the Lambda runtime or to CDK, and the layers that may not use them. */
const FORBIDDEN_PACKAGES: Readonly<Record<Layer, readonly string[]>> = {
  cli: [],
  infra: [],
  local: ['aws-cdk-lib', 'constructs'],
  functions: ['aws-cdk-lib', 'constructs'],
  lib: ['aws-cdk-lib', 'constructs', '@aws-lambda-powertools/', '@middy/', 'aws-lambda'],
};

/**
 * Known exceptions, each with its reason. The stream reader hands the local stream poller
 * records in the shape a Lambda event source mapping delivers, so its port names that shape.
 */
const ALLOWED: ReadonlyArray<{ file: string; specifier: string }> = [
  { file: 'lib/ports/stream-reader.ts', specifier: 'aws-lambda' },
  { file: 'lib/adapters/dynamodb-stream-reader.ts', specifier: 'aws-lambda' },
];

const IMPORT_PATTERN =
  /(?:^|[\s;])(?:import|export)\s[^'"]*?\sfrom\s+['"]([^'"]+)['"]|(?:^|[\s;(])import\s*\(?\s*['"]([^'"]+)['"]/gm;

function sourceFiles(directory: string): string[] {
  return readdirSync(path.join(ROOT, directory), { recursive: true, encoding: 'utf8' })
    .filter((file) => /\.(ts|mts|mjs|js)$/.test(file) && !file.endsWith('.d.ts'))
    .map((file) => path.join(directory, file));
}

function importsOf(source: string): string[] {
  return [...source.matchAll(IMPORT_PATTERN)]
    .map((match) => match[1] ?? match[2])
    .filter((specifier): specifier is string => specifier !== undefined);
}

function layerOf(file: string): string {
  return file.split(path.sep)[0] ?? '';
}

function violations(layer: Layer): string[] {
  const found: string[] = [];
  for (const file of sourceFiles(layer)) {
    for (const specifier of importsOf(readFileSync(path.join(ROOT, file), 'utf8'))) {
      const allowed = ALLOWED.some(
        (exception) =>
          exception.file === file.split(path.sep).join('/') && exception.specifier === specifier,
      );
      if (allowed) continue;
      if (specifier.startsWith('.')) {
        const target = path.relative(ROOT, path.resolve(ROOT, path.dirname(file), specifier));
        const targetLayer = layerOf(target);
        if (!(MAY_IMPORT[layer] as readonly string[]).includes(targetLayer))
          found.push(`${file} imports ${specifier} (${targetLayer}/)`);
      } else if (
        FORBIDDEN_PACKAGES[layer].some(
          (name) => specifier === name || (name.endsWith('/') && specifier.startsWith(name)),
        )
      ) {
        found.push(`${file} imports ${specifier}`);
      }
    }
  }
  return found;
}

describe('Layers: import direction', () => {
  it('reads static, re-exported and dynamic imports', () => {
    const source = [
      "import { a } from '../functions/a.js';",
      "export { b } from '../infra/b.js';",
      "import type {\n  C,\n} from 'aws-lambda';",
      "const d = await import('../cli/d.js');",
      "import './side-effect.js';",
    ].join('\n');

    expect(importsOf(source)).toEqual([
      '../functions/a.js',
      '../infra/b.js',
      'aws-lambda',
      '../cli/d.js',
      './side-effect.js',
    ]);
  });

  for (const layer of Object.keys(MAY_IMPORT) as Layer[]) {
    it(`keeps ${layer}/ to the layers below it and away from ${FORBIDDEN_PACKAGES[layer].join(', ') || 'nothing else'}`, () => {
      expect(violations(layer)).toEqual([]);
    });
  }
});
