// Property tests for the promise §7 of the design makes: whatever a row holds, a rendered key or
// prefix stays inside its template. Either renderKey refuses the value, or the key has exactly
// the template's shape.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UnsafeKeyValueError } from '../../../lib/errors.js';
import {
  isSafeKeyValue,
  parseKeyTemplate,
  renderKey,
  staticPrefix,
} from '../../../lib/graph/key-template.js';

const SAFE_CHARACTERS = [
  ...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789',
  ...'-_.=+@:',
];

const TEMPLATES = [
  'projects/{projectId}/',
  '{projectId}/',
  'artifacts/{projectId}/{artifactId}.bin',
  'tenants/{tenantId}/projects/{projectId}/',
  'manifests/{snapshotId}.json',
  'images/{value}',
];

/**
 * Pieces attackers reach for: separators, traversal, wildcards, control and look-alike
 * characters. Each one makes any value that contains it unsafe (a lone "." only on its own).
 */
const HOSTILE_PIECES = [
  '/',
  '//',
  '..',
  '../',
  '*',
  '?',
  '\\',
  '%2F',
  '%2e%2e',
  ' ',
  '\t',
  '\n',
  '\r',
  '\u0000',
  '\u001f',
  '\u007f',
  '\u0085',
  '\uff0f', // fullwidth solidus
  '\u2215', // division slash
  '\u2044', // fraction slash
  '\uff0e', // fullwidth full stop
  '\u202e', // right-to-left override
  '\u200f', // right-to-left mark
  '\u200b', // zero-width space
  '\ufeff',
  '\ud800',
];

const safeCharacter = fc.constantFrom(...SAFE_CHARACTERS);

const hostileString = fc
  .array(fc.oneof(fc.constantFrom('.', ...HOSTILE_PIECES), fc.string({ unit: safeCharacter })), {
    minLength: 1,
    maxLength: 6,
  })
  .map((pieces) => pieces.join(''));

const anyString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'grapheme-composite' }),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: safeCharacter }),
  hostileString,
);

const anyValue = fc.oneof(
  { weight: 6, arbitrary: anyString },
  { weight: 3, arbitrary: fc.string({ unit: safeCharacter, minLength: 1 }) },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.anything() },
);

const safeId = fc
  .string({ unit: safeCharacter, minLength: 1, maxLength: 12 })
  .filter(isSafeKeyValue);

/** Templates built from dot-free literals (so a `..` can only come from a value) and placeholders. */
const generatedTemplate = fc
  .array(
    fc.string({ unit: fc.constantFrom('a', 'b', '/', '-', '_'), minLength: 1, maxLength: 4 }),
    {
      minLength: 1,
      maxLength: 4,
    },
  )
  .map((literals) => literals.map((literal, index) => `${literal}{v${index}}`).join(''))
  .chain((template) => fc.constantFrom(template, `${template}/`, `${template}.bin`));

const template = fc.oneof(fc.constantFrom(...TEMPLATES), generatedTemplate);

function literalText(source: string): string {
  return parseKeyTemplate(source)
    .parts.map((part) => (part.kind === 'literal' ? part.text : ''))
    .join('');
}

function count(text: string, character: string): number {
  return text.split(character).length - 1;
}

/** The template's shape: each placeholder stands for one or more safe characters, nothing else. */
function shapeOf(source: string): RegExp {
  const pattern = parseKeyTemplate(source)
    .parts.map((part) =>
      part.kind === 'literal'
        ? part.text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
        : '[A-Za-z0-9._=+@:-]+',
    )
    .join('');
  return new RegExp(`^${pattern}$`);
}

/** Renders or returns the UnsafeKeyValueError; any other error fails the property. */
function attempt(source: string, values: Record<string, unknown>): string | UnsafeKeyValueError {
  try {
    return renderKey(source, values);
  } catch (error) {
    if (error instanceof UnsafeKeyValueError) {
      return error;
    }
    throw error;
  }
}

describe('Function: renderKey (properties)', () => {
  it('never renders a key outside its template, whatever the values', () => {
    let rendered = 0;
    fc.assert(
      fc.property(template, fc.array(anyValue, { minLength: 6, maxLength: 6 }), (source, raw) => {
        // Prepare
        const attributes = parseKeyTemplate(source).attributes;
        const values = Object.fromEntries(attributes.map((name, index) => [name, raw[index]]));

        // Act
        const key = attempt(source, values);

        // Assess
        if (key instanceof UnsafeKeyValueError) {
          return;
        }
        rendered += 1;
        expect(key.startsWith(staticPrefix(source))).toBe(true);
        expect(key.split('/')).not.toContain('..');
        expect(key.split('/')).not.toContain('.');
        expect(key).not.toMatch(/[*?\\\s]/);
        expect(count(key, '/')).toBe(count(literalText(source), '/'));
        expect(key).toMatch(shapeOf(source));
      }),
      { numRuns: 2000 },
    );
    // Guards the property itself: it must have checked real keys, not only refusals.
    expect(rendered).toBeGreaterThan(200);
  });

  it('refuses every value that carries a hostile piece', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: safeCharacter }),
        fc.constantFrom(...HOSTILE_PIECES),
        fc.string({ unit: safeCharacter }),
        (before, piece, after) => {
          // Act
          const key = attempt('projects/{projectId}/', { projectId: `${before}${piece}${after}` });

          // Assess
          expect(key).toBeInstanceOf(UnsafeKeyValueError);
        },
      ),
    );
  });

  it('renders every safe value unchanged', () => {
    fc.assert(
      fc.property(safeId, (id) => {
        // Act
        const key = renderKey('projects/{projectId}/', { projectId: id });

        // Assess
        expect(key).toBe(`projects/${id}/`);
      }),
    );
  });

  it('keeps the prefix of one id from matching the keys of another id', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(
          'projects/{projectId}/',
          '{projectId}/',
          'tenants/{tenantId}/projects/{projectId}/',
        ),
        safeId,
        safeId,
        safeId,
        (source, tenantId, first, second) => {
          fc.pre(first !== second);

          // Act
          const prefix = renderKey(source, { tenantId, projectId: first });
          const other = renderKey(source, { tenantId, projectId: second });

          // Assess
          expect(other.startsWith(prefix)).toBe(false);
        },
      ),
    );
  });

  it('keeps "p1" from matching "p1x" thanks to the trailing "/"', () => {
    // Act
    const prefix = renderKey('projects/{projectId}/', { projectId: 'p1' });
    const sibling = renderKey('projects/{projectId}/', { projectId: 'p1x' });
    const withoutSlash = renderKey('projects/{projectId}', { projectId: 'p1' });

    // Assess
    expect(sibling.startsWith(prefix)).toBe(false);
    // The reason defineGraph insists on the "/": without it, p1's prefix covers p1x's objects.
    expect(`${sibling}file`.startsWith(withoutSlash)).toBe(true);
  });
});
