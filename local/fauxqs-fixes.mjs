// Where fauxqs 2.4.1 (the S3 and SQS emulator of lethe/local) differs from S3 in ways lethe's
// deletions depend on, these fixes make it behave as S3 does. They are applied as fauxqs's
// modules load, in the emulator's own process only (Node's synchronous module hooks), so an
// installed lethe runs the fixed emulator too and nothing on disk is changed. Each fix names
// the source it expects: a fauxqs that no longer has it stops the emulator with one clear
// error rather than run unfixed. Plain .mjs: the emulator's process runs without a loader.
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the fixes are fauxqs's source text, template literals included
import { registerHooks } from 'node:module';

const ENCODE_URL_KEY = `
// lethe/local fix: honour encoding-type=url as S3 does, form-style (a space is "+", "+" is
// "%2B", "/" and unreserved characters stay, every other byte of the UTF-8 key is %XX), so
// keys XML cannot carry (a carriage return becomes a line feed in XML) come back exactly.
function letheEncodeKey(query, value) {
    if (query["encoding-type"] !== "url") return value;
    return encodeURIComponent(value)
        .replace(/[!'()~]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase())
        .replaceAll("%2F", "/")
        .replaceAll("%20", "+");
}
`;

const COMPARE_UTF8 = `
// lethe/local fix: S3 orders keys by their UTF-8 bytes; localeCompare disagreed with the
// paging comparison, so pages of mixed-case keys skipped and repeated keys.
function letheCompareUtf8(a, b) {
    return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}
`;

/**
 * Per fauxqs file (relative to the package), the replacements to make: `from` must occur
 * exactly `count` times (default 1).
 * @type {Readonly<Record<string, readonly { from: string; to: string; count?: number }[]>>}
 */
export const FAUXQS_FIXES = {
  // DeleteObjects: decode the XML body in one pass ("&amp;lt;" was decoded twice, into "<"),
  // and decode character references, as XML parsers do: SDKs write a key's carriage return
  // and line feed as "&#x0D;" / "&#x0A;" so that XML line-end normalisation keeps them.
  'dist/s3/actions/deleteObjects.js': [
    {
      from: `    return str
        .replaceAll("&amp;", "&")
        .replaceAll("&lt;", "<")
        .replaceAll("&gt;", ">")
        .replaceAll("&quot;", '"')
        .replaceAll("&apos;", "'");`,
      to: `    // lethe/local fix: one pass, character references included.
    const named = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };
    return str.replace(/&(?:#x([0-9a-fA-F]+)|#([0-9]+)|(amp|lt|gt|quot|apos));/g, (_, hex, dec, name) => hex !== undefined
        ? String.fromCodePoint(parseInt(hex, 16))
        : dec !== undefined
            ? String.fromCodePoint(parseInt(dec, 10))
            : named[name]);`,
    },
  ],
  // ListObjects (V1 and V2): encoding-type=url, on every key-like field, and EncodingType.
  'dist/s3/actions/listObjects.js': [
    {
      from: 'import { escapeXml } from "../../common/xml.js";\n',
      to: `import { escapeXml } from "../../common/xml.js";\n${ENCODE_URL_KEY}`,
    },
    {
      from: '`<Key>${escapeXml(obj.Key)}</Key>`',
      to: '`<Key>${escapeXml(letheEncodeKey(query, obj.Key))}</Key>`',
      count: 2,
    },
    {
      from: '`<CommonPrefixes><Prefix>${escapeXml(p.Prefix)}</Prefix></CommonPrefixes>`',
      to: '`<CommonPrefixes><Prefix>${escapeXml(letheEncodeKey(query, p.Prefix))}</Prefix></CommonPrefixes>`',
      count: 2,
    },
    {
      from: '`  <Prefix>${escapeXml(prefix)}</Prefix>`,',
      to: '`  <Prefix>${escapeXml(letheEncodeKey(query, prefix))}</Prefix>`,\n        ...(query["encoding-type"] === "url" ? [`  <EncodingType>url</EncodingType>`] : []),',
      count: 2,
    },
    {
      from: '`  <Marker>${escapeXml(marker)}</Marker>`',
      to: '`  <Marker>${escapeXml(letheEncodeKey(query, marker))}</Marker>`',
    },
    {
      from: '`  <NextMarker>${escapeXml(nextMarker)}</NextMarker>`',
      to: '`  <NextMarker>${escapeXml(letheEncodeKey(query, nextMarker))}</NextMarker>`',
    },
    {
      from: '`  <StartAfter>${escapeXml(startAfter)}</StartAfter>`',
      to: '`  <StartAfter>${escapeXml(letheEncodeKey(query, startAfter))}</StartAfter>`',
    },
    {
      from: '`  <Delimiter>${escapeXml(delimiter)}</Delimiter>`',
      to: '`  <Delimiter>${escapeXml(letheEncodeKey(query, delimiter))}</Delimiter>`',
      count: 2,
    },
  ],
  // The store's listing: S3's key order (UTF-8 bytes) for sorting and for paging alike.
  'dist/s3/s3Store.js': [
    {
      from: 'import { computeCompositeChecksum } from "./checksum.js";\n',
      to: `import { computeCompositeChecksum } from "./checksum.js";\n${COMPARE_UTF8}`,
    },
    {
      from: '.sort((a, b) => a.key.localeCompare(b.key));',
      to: '.sort((a, b) => letheCompareUtf8(a.key, b.key));',
    },
    {
      from: 'if (startAfter && obj.key <= startAfter)',
      to: 'if (startAfter && letheCompareUtf8(obj.key, startAfter) <= 0)',
    },
    {
      from: 'if (startAfter && commonPrefix <= startAfter)',
      to: 'if (startAfter && letheCompareUtf8(commonPrefix, startAfter) <= 0)',
    },
    {
      from: 'commonPrefixes: Array.from(commonPrefixSet).sort(),',
      to: 'commonPrefixes: Array.from(commonPrefixSet).sort(letheCompareUtf8),',
    },
  ],
};

// A copy of fauxqs that lethe's repository once patched on disk (patch-package) has these
// fixes already.
const ALREADY_FIXED = 'lethe patch:';

/**
 * `source` of the fauxqs file `file` with its fixes applied.
 * @param {string} file path inside the fauxqs package, e.g. `dist/s3/s3Store.js`
 * @param {string} source
 * @returns {string}
 * @throws {Error} when a fix does not find the source it expects (another fauxqs version)
 */
export function applyFauxqsFixes(file, source) {
  const fixes = FAUXQS_FIXES[file];
  if (fixes === undefined || source.includes(ALREADY_FIXED)) return source;
  let fixed = source;
  for (const { from, to, count = 1 } of fixes) {
    const found = fixed.split(from).length - 1;
    if (found !== count) {
      throw new Error(
        `lethe/local: cannot fix fauxqs's ${file}: expected ${count} × ${JSON.stringify(from.split('\n')[0])}, found ${found}. lethe/local needs fauxqs 2.4.1 (the version lethe depends on).`,
      );
    }
    fixed = fixed.replaceAll(from, to);
  }
  return fixed;
}

/**
 * Applies the fixes to fauxqs's modules as they load in this process. Call it before the
 * first import of `fauxqs`.
 */
export function installFauxqsFixes() {
  const root = new URL('../', import.meta.resolve('fauxqs'));
  const byUrl = new Map(Object.keys(FAUXQS_FIXES).map((file) => [new URL(file, root).href, file]));
  registerHooks({
    load(url, context, nextLoad) {
      const loaded = nextLoad(url, context);
      const file = byUrl.get(url);
      if (file === undefined || loaded.source === undefined || loaded.source === null) {
        return loaded;
      }
      const source =
        typeof loaded.source === 'string'
          ? loaded.source
          : Buffer.from(loaded.source).toString('utf8');
      return { ...loaded, source: applyFauxqsFixes(file, source) };
    },
  });
}
