import { describe, expect, it } from 'vitest';
import { decodeListedKey, xmlCanCarry } from '../../../lib/adapters/s3-key-encoding.js';

describe('Function: decodeListedKey', () => {
  it('decodes form-style, as S3 encodes with encoding-type=url', () => {
    // Act & Assess
    expect(decodeListedKey('projects/p1/a%0Db.png')).toBe('projects/p1/a\rb.png');
    expect(decodeListedKey('a+b%2Bc')).toBe('a b+c');
    expect(decodeListedKey('%25%2F/%26%3C%10%EF%BF%BF%F0%9F%98%80')).toBe('%//&<\u0010\uFFFF😀');
  });
});

describe('Function: xmlCanCarry', () => {
  it('accepts what XML 1.0 can carry, line ends included', () => {
    // Act & Assess
    for (const key of ['a\rb', 'a\nb', '\t', '&<>"\'', '\u0085\u2028', '😀', '\uFFFD'])
      expect(xmlCanCarry(key), JSON.stringify(key)).toBe(true);
  });

  it('refuses controls, lone surrogates, U+FFFE and U+FFFF', () => {
    // Act & Assess
    for (const key of [
      '\u0000',
      'a\u0010',
      '\u000b',
      '\u000c',
      '\u001f',
      '\uFFFE',
      '\uFFFF',
      '\ud800',
      'a\udc00b',
    ])
      expect(xmlCanCarry(key), JSON.stringify(key)).toBe(false);
  });
});
