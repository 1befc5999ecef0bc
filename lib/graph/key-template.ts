// Key templates (`projects/{projectId}/`) turn a row into the S3 keys and prefixes it owns.
// Rendering is the last line of defence against over-deletion: a value fills its placeholder
// and nothing more, it can never add a path segment, a wildcard or a `..`, so it cannot widen a key.
import { LetheError, UnsafeKeyValueError } from '../errors.js';

export type TemplatePart =
  | { readonly kind: 'literal'; readonly text: string }
  | { readonly kind: 'placeholder'; readonly attribute: string };

/** A parsed template; parse once with `parseKeyTemplate` when rendering many rows. */
export interface KeyTemplate {
  readonly template: string;
  readonly parts: readonly TemplatePart[];
  /** Attribute names in order of first appearance, without repeats. */
  readonly attributes: readonly string[];
  /** The literal text before the first placeholder: every rendering starts with it. */
  readonly staticPrefix: string;
}

/** Characters a value may contain: none of them separates a path segment or matches a pattern. */
export const SAFE_KEY_VALUE_CHARACTERS = 'A-Z a-z 0-9 - _ . = + @ :';

const SAFE_CHARACTER = /^[A-Za-z0-9\-_.=+@:]$/;
const PLACEHOLDER_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

type ScanResult =
  | { readonly ok: true; readonly parts: readonly TemplatePart[] }
  | { readonly ok: false; readonly problem: string };

function scanTemplate(template: string): ScanResult {
  const parts: TemplatePart[] = [];
  let literal = '';
  let position = 0;
  while (position < template.length) {
    const character = template.charAt(position);
    if (character === '}') {
      return { ok: false, problem: `"}" at position ${position} has no matching "{"` };
    }
    if (character !== '{') {
      literal += character;
      position += 1;
      continue;
    }
    const close = template.indexOf('}', position + 1);
    const nextOpen = template.indexOf('{', position + 1);
    if (close === -1 || (nextOpen !== -1 && nextOpen < close)) {
      return { ok: false, problem: `"{" at position ${position} is not closed` };
    }
    const attribute = template.slice(position + 1, close);
    if (!PLACEHOLDER_NAME.test(attribute)) {
      return {
        ok: false,
        problem: `placeholder "{${attribute}}" is not an attribute name (a letter or "_", then letters, digits, "_" or "-")`,
      };
    }
    if (literal === '' && parts.at(-1)?.kind === 'placeholder') {
      // `{a}{b}` renders ("p", "1x") and ("p1", "x") to the same key: one row would delete another's objects.
      return {
        ok: false,
        problem: `placeholder "{${attribute}}" follows another placeholder; separate placeholders with literal text`,
      };
    }
    if (literal !== '') {
      parts.push({ kind: 'literal', text: literal });
      literal = '';
    }
    parts.push({ kind: 'placeholder', attribute });
    position = close + 1;
  }
  if (literal !== '') {
    parts.push({ kind: 'literal', text: literal });
  }
  return { ok: true, parts };
}

/** Why a template cannot be parsed, or undefined when it can. Lets the graph validator collect problems. */
export function templateSyntaxProblem(template: string): string | undefined {
  const result = scanTemplate(template);
  return result.ok ? undefined : result.problem;
}

/** Parses `{attr}` placeholders; throws a LetheError `INVALID_KEY_TEMPLATE` on bad syntax. */
export function parseKeyTemplate(template: string): KeyTemplate {
  const result = scanTemplate(template);
  if (!result.ok) {
    throw new LetheError(
      'INVALID_KEY_TEMPLATE',
      `invalid key template "${template}": ${result.problem}`,
    );
  }
  const attributes: string[] = [];
  let staticPrefix = '';
  let seenPlaceholder = false;
  for (const part of result.parts) {
    if (part.kind === 'placeholder') {
      seenPlaceholder = true;
      if (!attributes.includes(part.attribute)) {
        attributes.push(part.attribute);
      }
    } else if (!seenPlaceholder) {
      staticPrefix += part.text;
    }
  }
  return { template, parts: result.parts, attributes, staticPrefix };
}

/** The attributes a template names, in order of first appearance. */
export function templateAttributes(template: string): string[] {
  return [...parseKeyTemplate(template).attributes];
}

/** The literal text before the first placeholder (the whole template when it has none). */
export function staticPrefix(template: string): string {
  return parseKeyTemplate(template).staticPrefix;
}

function describeCharacter(codePoint: number): string {
  const hex = `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
  // Only printable ASCII is echoed: control characters and bidi marks would corrupt the log line.
  return codePoint > 0x20 && codePoint < 0x7f
    ? `"${String.fromCodePoint(codePoint)}" (${hex})`
    : hex;
}

/** Why a value cannot fill a placeholder, or undefined when it can. */
export function keyValueProblem(value: unknown): string | undefined {
  if (value === undefined || value === null) {
    return 'the value is missing';
  }
  // An integer renders as its decimal digits, which is also its canonical Number id: a key
  // rendered from a row and one rendered from the id of a row already gone are one key.
  // Fractions and imprecise integers are refused: their text is not one stable id.
  if (typeof value === 'number') {
    return Number.isSafeInteger(value)
      ? undefined
      : `numbers must be safe integers, got ${String(value)}`;
  }
  if (typeof value === 'bigint') return undefined;
  if (typeof value !== 'string') {
    return `expected a string or an integer, got ${Array.isArray(value) ? 'an array' : typeof value}`;
  }
  if (value === '') {
    return 'the value is empty';
  }
  for (const character of value) {
    if (!SAFE_CHARACTER.test(character)) {
      const codePoint = character.codePointAt(0) ?? 0;
      return `character ${describeCharacter(codePoint)} is not allowed (allowed: ${SAFE_KEY_VALUE_CHARACTERS})`;
    }
  }
  if (value === '.' || value.includes('..')) {
    return `"${value}" could act as a relative path segment`;
  }
  return undefined;
}

/** True when the value can fill a placeholder: a safe integer, a bigint (as the SDK reads a Number past 2^53), or a non-empty string in the safe charset without `..`. */
export function isSafeKeyValue(value: unknown): value is string | number | bigint {
  return keyValueProblem(value) === undefined;
}

/**
 * Renders a template with values taken from a row. Throws UnsafeKeyValueError when a value is
 * missing, not a string, safe integer or bigint, or could change the key's shape; never returns a
 * wider key. An integer renders as its decimal digits, the canonical form of a Number id.
 */
export function renderKey(
  template: string | KeyTemplate,
  values: Readonly<Record<string, unknown>>,
): string {
  const parsed = typeof template === 'string' ? parseKeyTemplate(template) : template;
  let key = '';
  for (const part of parsed.parts) {
    if (part.kind === 'literal') {
      key += part.text;
      continue;
    }
    // Own properties only: `{constructor}` must not pick something up from Object.prototype.
    const value = Object.hasOwn(values, part.attribute) ? values[part.attribute] : undefined;
    const reason = keyValueProblem(value);
    if (reason !== undefined) {
      throw new UnsafeKeyValueError(parsed.template, part.attribute, reason);
    }
    key += String(value);
  }
  return key;
}
