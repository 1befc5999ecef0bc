// Identifiers that come from outside (entity names, ids, tenants, relations) are refused when
// they hide something: control or invisible characters (zero-width spaces, bidi overrides)
// make one id look like another in logs, tools and dashboards, and a lone surrogate is not
// text at all. Anything else — any script, any visible character — is left to exact matching.
import * as z from 'zod';

const HIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Noncharacter_Code_Point}]/u;

export const PLAIN_TEXT_MESSAGE =
  'must be well-formed text without invisible or control characters';

/** Why `value` is not plain text, or undefined when it is. */
export function plainTextProblem(value: string): string | undefined {
  if (!value.isWellFormed()) return 'is not well-formed text (it has a lone surrogate)';
  const hidden = HIDDEN.exec(value)?.[0];
  if (hidden === undefined) return undefined;
  const codePoint = hidden.codePointAt(0) ?? 0;
  return `contains invisible or control characters (U+${codePoint.toString(16).toUpperCase().padStart(4, '0')})`;
}

/** A zod string of `min`…`max` characters that must be plain text. */
export function plainString(min: number, max: number) {
  return z
    .string()
    .min(min)
    .max(max)
    .refine((value) => plainTextProblem(value) === undefined, PLAIN_TEXT_MESSAGE);
}
