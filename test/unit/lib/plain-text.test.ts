import { describe, expect, it } from 'vitest';
import { plainTextProblem } from '../../../lib/plain-text.js';

describe('Function: plainTextProblem', () => {
  it.each([
    ['an ASCII id', 'acme-p01'],
    ['a single-table key', 'ORG#acme'],
    ['a path-like id (only key templates refuse it)', 'a/b/../c'],
    ['another script', 'проект-1'],
    ['a homoglyph (matched exactly, so it names another entity)', 'аcme'],
    ['decomposed Unicode (matched exactly)', 'cafe\u0301'],
    ['an emoji', 'team-🚀'],
  ])('accepts %s', (_label, value) => {
    expect(plainTextProblem(value)).toBeUndefined();
  });

  it.each([
    ['a zero-width space', 'acme\u200b', /U\+200B/],
    ['a right-to-left override', '\u202eacme', /U\+202E/],
    ['a byte order mark', '\ufeffacme', /U\+FEFF/],
    ['a NUL', 'acme\u0000', /U\+0000/],
    ['a newline', 'acme\n', /U\+000A/],
    ['a line separator', 'acme\u2028', /U\+2028/],
    ['a noncharacter', 'acme\uffff', /U\+FFFF/],
    ['a lone surrogate', 'acme\ud800', /lone surrogate/],
  ])('refuses %s, naming it', (_label, value, reason) => {
    expect(plainTextProblem(value)).toMatch(reason);
  });
});
