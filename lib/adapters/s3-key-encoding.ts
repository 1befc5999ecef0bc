// Object keys on S3's XML wire. A key may hold any UTF-8 S3 accepts, but an XML document can
// carry only XML 1.0 characters, and an XML parser turns a literal carriage return into a line
// feed. So keys are listed URL-encoded and decoded here, and a key XML cannot carry is never
// put in a DeleteObjects body (S3 rejects the whole body with 400 MalformedXML).

/**
 * XML 1.0's `Char` production: tab, line feed, carriage return, U+0020–U+D7FF,
 * U+E000–U+FFFD and U+10000–U+10FFFF. Lone surrogates and U+FFFE/U+FFFF are outside it.
 */
const XML_CHARS = /^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;

/**
 * Whether a DeleteObjects body can carry `key`. Carriage return, line feed, U+0085 and
 * U+2028 qualify: the SDK's XML serializer writes them as character references (`&#x0D;` …),
 * which XML line-end normalisation leaves alone. Everything else outside XML 1.0's `Char`
 * production (U+0000–U+0008, U+000B, U+000C, U+000E–U+001F, lone surrogates, U+FFFE,
 * U+FFFF) does not: such a key must be deleted alone, with the key in the URL.
 */
export function xmlCanCarry(key: string): boolean {
  return XML_CHARS.test(key);
}

/** Whether `key` can be an S3 key at all: S3 keys are UTF-8, so a lone surrogate is not one. */
export function isWellFormedKey(key: string): boolean {
  return key.isWellFormed();
}

/**
 * Decodes a key that a listing returned with `encoding-type=url`. S3 encodes form-style (as
 * `application/x-www-form-urlencoded`): a space is `+`, a `+` is `%2B`, any other byte may be
 * `%XX` of the key's UTF-8. Throws URIError on an encoding S3 would never send.
 */
export function decodeListedKey(encoded: string): string {
  return decodeURIComponent(encoded.replaceAll('+', ' '));
}
