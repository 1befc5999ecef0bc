import { describe, expect, it } from 'vitest';
import { LetheError, UnsafeKeyValueError } from '../../../lib/errors.js';
import {
  isSafeKeyValue,
  parseKeyTemplate,
  renderKey,
  staticPrefix,
  templateAttributes,
} from '../../../lib/graph/key-template.js';

const ARTIFACT = 'artifacts/{projectId}/{artifactId}.bin';

function thrown(act: () => unknown): unknown {
  try {
    act();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('Function: renderKey', () => {
  it('fills every placeholder with the value of its attribute', () => {
    // Act
    const key = renderKey(ARTIFACT, { projectId: 'p-1', artifactId: 'a_2.v3', other: '/' });

    // Assess
    expect(key).toBe('artifacts/p-1/a_2.v3.bin');
  });

  it('renders every character of the safe charset', () => {
    // Act
    const key = renderKey('images/{value}', { value: 'sha256:AZaz09-_.=+@' });

    // Assess
    expect(key).toBe('images/sha256:AZaz09-_.=+@');
  });

  it('renders safe integers as decimal strings', () => {
    // Act & Assess
    expect(renderKey('p/{n}/', { n: 42 })).toBe('p/42/');
    expect(renderKey('p/{n}/', { n: -7 })).toBe('p/-7/');
  });

  it('repeats a placeholder that appears twice', () => {
    // Act
    const key = renderKey('{id}/{id}.json', { id: 'x' });

    // Assess
    expect(key).toBe('x/x.json');
  });

  it('accepts a parsed template', () => {
    // Prepare
    const template = parseKeyTemplate('projects/{projectId}/');

    // Act
    const key = renderKey(template, { projectId: 'p1' });

    // Assess
    expect(key).toBe('projects/p1/');
  });

  it.each([
    ['a "/"', 'p1/../p2', /character "\/" \(U\+002F\) is not allowed/],
    ['"*"', 'p*', /character "\*" \(U\+002A\)/],
    ['"?"', 'p?', /character "\?" \(U\+003F\)/],
    ['a backslash', 'p\\q', /U\+005C/],
    ['a space', 'p q', /character U\+0020 is not allowed/],
    ['a newline', 'p\nq', /character U\+000A is not allowed/],
    ['a NUL', 'p\u0000', /character U\+0000 is not allowed/],
    ['a fullwidth solidus', 'p\uff0fq', /character U\+FF0F is not allowed/],
    ['a right-to-left override', '\u202ep1', /character U\+202E is not allowed/],
    ['a zero-width space', 'p\u200b1', /character U\+200B is not allowed/],
    ['an accented letter', 'caf\u00e9', /character U\+00E9 is not allowed/],
    ['an emoji', 'p\u{1f600}', /character U\+1F600 is not allowed/],
    ['a lone surrogate', 'p\ud800', /character U\+D800 is not allowed/],
    ['a percent escape', 'p%2F', /character "%" \(U\+0025\)/],
    ['"."', '.', /could act as a relative path segment/],
    ['".."', '..', /could act as a relative path segment/],
    ['".." inside', 'a..b', /could act as a relative path segment/],
  ])('throws UnsafeKeyValueError when the value contains %s', (_, value, reason) => {
    // Act
    const error = thrown(() => renderKey('projects/{projectId}/', { projectId: value }));

    // Assess
    expect(error).toBeInstanceOf(UnsafeKeyValueError);
    expect(error).toMatchObject({
      code: 'UNSAFE_KEY_VALUE',
      template: 'projects/{projectId}/',
      attribute: 'projectId',
    });
    expect((error as Error).message).toMatch(reason);
  });

  it.each([
    ['missing', {}, /the value is missing/],
    ['null', { id: null }, /the value is missing/],
    ['empty', { id: '' }, /the value is empty/],
    ['a fraction', { id: 1.5 }, /numbers must be safe integers, got 1.5/],
    ['NaN', { id: Number.NaN }, /got NaN/],
    ['an unsafe integer', { id: 2 ** 60 }, /numbers must be safe integers/],
    ['a boolean', { id: true }, /expected a string or an integer, got boolean/],
    ['an array', { id: ['a'] }, /got an array/],
    ['an object', { id: { toString: () => 'a' } }, /got object/],
  ])('throws UnsafeKeyValueError when the value is %s', (_, values, reason) => {
    // Act
    const error = thrown(() => renderKey('p/{id}.json', values));

    // Assess
    expect(error).toBeInstanceOf(UnsafeKeyValueError);
    expect((error as Error).message).toMatch(reason);
  });

  it('throws when the attribute is only inherited from Object.prototype', () => {
    // Act & Assess
    expect(() => renderKey('p/{constructor}/', {})).toThrowError(UnsafeKeyValueError);
  });

  it('names the first unsafe attribute in the error', () => {
    // Act
    const error = thrown(() => renderKey(ARTIFACT, { projectId: 'p1', artifactId: '*' }));

    // Assess
    expect(error).toMatchObject({ attribute: 'artifactId', template: ARTIFACT });
  });
});

describe('Function: isSafeKeyValue', () => {
  it('accepts safe strings and integers', () => {
    // Act & Assess
    expect(['p1', 'a.b', '.hidden', 'x=1+2@host:9', 0, -3].every(isSafeKeyValue)).toBe(true);
  });

  it('rejects what renderKey refuses', () => {
    // Act & Assess
    expect(
      ['', '.', '..', 'a..b', 'a/b', '*', 1.2, undefined, null, false].some(isSafeKeyValue),
    ).toBe(false);
  });
});

describe('Function: parseKeyTemplate', () => {
  it('splits a template into literals and placeholders', () => {
    // Act
    const parsed = parseKeyTemplate(ARTIFACT);

    // Assess
    expect(parsed.parts).toEqual([
      { kind: 'literal', text: 'artifacts/' },
      { kind: 'placeholder', attribute: 'projectId' },
      { kind: 'literal', text: '/' },
      { kind: 'placeholder', attribute: 'artifactId' },
      { kind: 'literal', text: '.bin' },
    ]);
  });

  it.each([
    ['an unclosed "{"', 'p/{id', /"\{" at position 2 is not closed/],
    ['a nested "{"', 'p/{a{b}}', /"\{" at position 2 is not closed/],
    ['a stray "}"', 'p/id}', /"\}" at position 4 has no matching "\{"/],
    ['an empty placeholder', 'p/{}/', /placeholder "\{\}" is not an attribute name/],
    ['a placeholder with a space', 'p/{a b}/', /placeholder "\{a b\}" is not an attribute name/],
    ['adjacent placeholders', '{a}{b}/', /follows another placeholder/],
  ])('throws INVALID_KEY_TEMPLATE on %s', (_, template, reason) => {
    // Act
    const error = thrown(() => parseKeyTemplate(template));

    // Assess
    expect(error).toBeInstanceOf(LetheError);
    expect(error).toMatchObject({ code: 'INVALID_KEY_TEMPLATE' });
    expect((error as Error).message).toMatch(reason);
  });
});

describe('Function: templateAttributes', () => {
  it('returns the attributes in order of first appearance, without repeats', () => {
    // Act & Assess
    expect(templateAttributes('{b}/{a}/{b}.json')).toEqual(['b', 'a']);
    expect(templateAttributes('static/key')).toEqual([]);
  });
});

describe('Function: staticPrefix', () => {
  it('returns the literal text before the first placeholder', () => {
    // Act & Assess
    expect(staticPrefix(ARTIFACT)).toBe('artifacts/');
    expect(staticPrefix('{projectId}/')).toBe('');
    expect(staticPrefix('static/key')).toBe('static/key');
  });
});
