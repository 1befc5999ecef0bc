// The corpus of malformed input (issue #9, part 4): work messages for the worker, and deletion
// requests for ingest. Each entry says what a clear reason for refusing it looks like.
// Messages are built around a real job, so that they are as close to valid as possible.

export interface BadInput {
  readonly name: string;
  /** The record body exactly as it arrives. */
  readonly body: string;
  /** What the reason given for refusing it must say. */
  readonly reason: RegExp;
}

const json = (value: unknown) => JSON.stringify(value);
/** JSON with `\uXXXX` escapes kept as written (lone surrogates, control characters). */
const raw = (text: string) => text;

export function badWorkMessages(jobId: string): BadInput[] {
  const cascade = { v: 1, jobId, type: 'cascade', entity: 'project', id: 'acme-p01' };
  return [
    { name: 'invalid JSON', body: '{"v":1,"jobId":', reason: /not valid JSON/ },
    { name: 'JSON that is not an object', body: '["cascade"]', reason: /expected object/ },
    { name: 'null', body: 'null', reason: /expected object/ },
    {
      name: 'unknown version',
      body: json({ ...cascade, v: 2 }),
      reason: /unknown message version 2/,
    },
    {
      name: 'version as a string',
      body: json({ ...cascade, v: '1' }),
      reason: /unknown message version "1"/,
    },
    { name: 'no version', body: json({ ...cascade, v: undefined }), reason: /v: Invalid input/ },
    { name: 'unknown type', body: json({ ...cascade, type: 'explode' }), reason: /type/ },
    {
      name: 'unknown entity',
      body: json({ ...cascade, entity: 'planet' }),
      reason: /no planned unit cascade\|planet/,
    },
    {
      name: 'entity named __proto__',
      body: json({ ...cascade, entity: '__proto__' }),
      reason: /no planned unit/,
    },
    {
      name: 'unknown relation',
      body: json({
        v: 1,
        jobId,
        type: 'rows',
        relation: 'organization.planet.orgId',
        parentId: 'acme',
        page: 0,
      }),
      reason: /no planned unit rows/,
    },
    {
      name: 'wrong type: page as text',
      body: json({
        v: 1,
        jobId,
        type: 'rows',
        relation: 'organization.membership.orgId',
        parentId: 'acme',
        page: 'one',
      }),
      reason: /page: Invalid input: expected number/,
    },
    {
      name: 'wrong type: id as number',
      body: json({ ...cascade, id: 42 }),
      reason: /id: Invalid input: expected string/,
    },
    {
      name: 'wrong type: negative page',
      body: json({
        v: 1,
        jobId,
        type: 'rows',
        relation: 'organization.membership.orgId',
        parentId: 'acme',
        page: -1,
      }),
      reason: /page: Too small/,
    },
    {
      name: 'an extra field naming a bucket',
      body: json({ ...cascade, bucket: 'outside', prefix: '' }),
      reason: /Unrecognized keys/,
    },
    { name: 'job id with a path', body: json({ ...cascade, jobId: '../../etc' }), reason: /jobId/ },
    {
      name: 'huge payload (100 KB)',
      body: json({ ...cascade, id: 'x'.repeat(100_000) }),
      reason: /larger than 65536 bytes/,
    },
    { name: 'id too long', body: json({ ...cascade, id: 'p'.repeat(600) }), reason: /id: Too big/ },
    {
      name: 'id with /',
      body: json({ ...cascade, id: 'acme-p01/../acme-p02' }),
      reason: /no planned unit cascade\|project\|acme-p01\/\.\./,
    },
    { name: 'id ..', body: json({ ...cascade, id: '..' }), reason: /no planned unit/ },
    { name: 'id *', body: json({ ...cascade, id: '*' }), reason: /no planned unit/ },
    {
      name: 'prefix unit for an id with /',
      body: json({
        v: 1,
        jobId,
        type: 'prefix',
        entity: 'project',
        id: 'acme-p01/..',
        part: 0,
        page: 0,
      }),
      reason: /no planned unit prefix/,
    },
    {
      name: 'id with a zero-width space',
      body: json({ ...cascade, id: 'acme-p01\u200b' }),
      reason: /invisible or control characters/,
    },
    {
      name: 'id with a right-to-left override',
      body: json({ ...cascade, id: '\u202eacme-p01' }),
      reason: /invisible or control characters/,
    },
    {
      name: 'id with a NUL',
      body: raw(
        `{"v":1,"jobId":"${jobId}","type":"cascade","entity":"project","id":"acme\\u0000p01"}`,
      ),
      reason: /invisible or control characters/,
    },
    {
      name: 'id with a lone surrogate',
      body: raw(
        `{"v":1,"jobId":"${jobId}","type":"cascade","entity":"project","id":"acme\\ud800"}`,
      ),
      reason: /invisible or control characters|well-formed/,
    },
    {
      name: 'id with a fullwidth solidus',
      body: json({ ...cascade, id: 'acme／p01' }),
      reason: /no planned unit/,
    },
    {
      name: 'a planned unit with its body altered',
      body: json({
        v: 1,
        jobId,
        type: 'cascade',
        entity: 'organization',
        id: 'acme',
        via: 'organization.project.orgId',
      }),
      reason: /does not match planned unit/,
    },
  ];
}

export interface BadRequest {
  readonly name: string;
  readonly detail: unknown;
  readonly reason: RegExp;
  /** The EventBridge envelope, when the envelope itself is what is wrong. */
  readonly envelope?: Record<string, unknown>;
}

/**
 * Requests aimed at the other tenant (`acmex`), whose data must stay: one wrongly accepted
 * would delete it, and the checker would see.
 */
export function badDeletionRequests(): BadRequest[] {
  return [
    {
      name: 'unknown entity',
      detail: { entity: 'planet', id: 'p1' },
      reason: /unknown entity "planet"/,
    },
    {
      name: 'entity named constructor',
      detail: { entity: 'constructor', id: 'p1' },
      reason: /unknown entity "constructor"/,
    },
    { name: 'no id', detail: { entity: 'project' }, reason: /id: Invalid input/ },
    {
      name: 'id as an object',
      detail: { entity: 'project', id: { $ne: '' } },
      reason: /id: Invalid input/,
    },
    {
      name: 'id as a fraction',
      detail: { entity: 'project', id: 1.5 },
      reason: /id: a numeric id must be an integer/,
    },
    {
      name: 'entity as a number',
      detail: { entity: 7, id: 'p1' },
      reason: /entity: Invalid input/,
    },
    {
      name: 'huge id',
      detail: { entity: 'project', id: 'p'.repeat(10_000) },
      reason: /id: .*(Too big|Invalid input)/,
    },
    {
      name: 'huge payload',
      detail: { entity: 'project', id: 'acmex-p01', padding: 'x'.repeat(200_000) },
      reason: /larger than/,
    },
    {
      name: 'project id with /',
      detail: { entity: 'project', id: 'acmex-p01/../acmex-p01' },
      reason: /UNSAFE_KEY_VALUE|unsafe value/,
    },
    { name: 'project id ..', detail: { entity: 'project', id: '..' }, reason: /unsafe value/ },
    { name: 'project id *', detail: { entity: 'project', id: '*' }, reason: /unsafe value/ },
    {
      name: 'artifact id with a fullwidth solidus',
      detail: { entity: 'artifact', id: 'a／1' },
      reason: /unsafe value/,
    },
    {
      name: 'organization id with a zero-width space',
      detail: { entity: 'organization', id: 'acmex\u200b' },
      reason: /invisible or control characters/,
    },
    {
      name: 'organization id with a right-to-left override',
      detail: { entity: 'organization', id: 'acmex\u202e' },
      reason: /invisible or control characters/,
    },
    {
      name: 'organization id with a lone surrogate',
      detail: { entity: 'organization', id: 'acmex\ud800' },
      reason: /invisible or control characters|well-formed/,
    },
    {
      name: 'unknown request version',
      detail: { v: 2, entity: 'project', id: 'acmex-p01' },
      reason: /unknown request version 2/,
    },
    {
      name: 'unknown event version',
      detail: { entity: 'project', id: 'acmex-p01' },
      envelope: { version: '1' },
      reason: /unknown event version "1"/,
    },
    {
      name: 'another detail-type',
      detail: { entity: 'project', id: 'acmex-p01' },
      envelope: { 'detail-type': 'EntityRenamed' },
      reason: /detail-type/,
    },
  ];
}
