import { describe, expect, it } from 'vitest';
import { defineGraph } from '../../../lib/graph/define-graph.js';
import type { GraphDefinition } from '../../../lib/graph/graph-types.js';
import { renderKey } from '../../../lib/graph/key-template.js';
import {
  canonicalId,
  canonicalIdOrUndefined,
  canonicalNumber,
  InvalidKeyValueError,
  keyValue,
} from '../../../lib/graph/key-types.js';
import { baseDefinition, type MutableDefinition, problemsOf } from './graph-fixtures.js';

/** Declares key types on a table as a user might write them, right or wrong. */
function declareTypes(
  definition: MutableDefinition,
  table: string,
  keyTypes: Record<string, string>,
): void {
  const declared = definition.tables[table];
  if (declared === undefined) throw new Error(`no table ${table} in the fixture`);
  declared.keyTypes = keyTypes as Record<string, 'string' | 'number'>;
}

/** The base graph with org ids as DynamoDB Numbers: the org table's key and the project index. */
function numberKeyed(): MutableDefinition {
  const definition = baseDefinition();
  declareTypes(definition, 'orgs', { orgId: 'number' });
  declareTypes(definition, 'projects', { orgId: 'number', projectId: 'number' });
  declareTypes(definition, 'members', { orgId: 'number', userId: 'number' });
  return definition;
}

describe('Function: defineGraph, key attribute types', () => {
  it('types every key attribute as a string when nothing is declared', () => {
    // Act
    const graph = defineGraph(baseDefinition() as GraphDefinition);

    // Assess
    expect(graph.entities.org?.idType).toBe('string');
    expect(graph.entities.project?.keyTypes).toEqual({
      projectId: 'string',
      orgId: 'string',
      ageClass: 'string',
      createdAt: 'string',
    });
  });

  it('accepts Number keys on tables and indexes and types the entities with them', () => {
    // Act
    const graph = defineGraph(numberKeyed() as GraphDefinition);

    // Assess
    expect(graph.entities.org?.idType).toBe('number');
    expect(graph.entities.project).toMatchObject({
      idType: 'number',
      keyTypes: { projectId: 'number', orgId: 'number', ageClass: 'string', createdAt: 'string' },
    });
    expect(graph.entities.membership?.keyTypes).toEqual({ orgId: 'number', userId: 'number' });
  });

  it('refuses a Binary key, naming the table and attribute', () => {
    // Prepare
    const definition = numberKeyed();
    declareTypes(definition, 'orgs', { orgId: 'binary' });
    declareTypes(definition, 'projects', { orgId: 'number', projectId: 'number', ageClass: 'B' });

    // Act
    const problems = problemsOf(definition);

    // Assess
    expect(problems).toEqual([
      expect.stringMatching(
        /^table "orgs": keyTypes\.orgId is a Binary key: lethe does not support Binary key attributes/,
      ),
      expect.stringMatching(/^table "projects": keyTypes\.ageClass is a Binary key/),
    ]);
  });

  it("refuses DynamoDB's letters and unknown types with the spelling to use", () => {
    // Prepare
    const definition = baseDefinition();
    declareTypes(definition, 'orgs', { orgId: 'N' });
    declareTypes(definition, 'members', { userId: 'int' });

    // Act
    const problems = problemsOf(definition);

    // Assess
    expect(problems).toEqual([
      'table "orgs": keyTypes.orgId must be "string" or "number" (write "number" for DynamoDB\'s "N")',
      'table "members": keyTypes.userId must be "string" or "number"',
    ]);
  });

  it('refuses a type for an attribute that is no key of the table or its indexes', () => {
    // Prepare
    const definition = baseDefinition();
    declareTypes(definition, 'orgs', { name: 'number' });

    // Act
    const problems = problemsOf(definition);

    // Assess
    expect(problems).toEqual([
      'table "orgs": keyTypes.name names no key of the table or its indexes (keys: orgId); only key attributes have a declared type',
    ]);
  });

  it("refuses a relation whose attribute's type differs from the parent id's type", () => {
    // Prepare: org ids are Numbers, the projects index holds them as strings.
    const definition = numberKeyed();
    declareTypes(definition, 'projects', { projectId: 'number' });

    // Act
    const problems = problemsOf(definition);

    // Assess
    expect(problems).toEqual([
      'entity "project": parents[0].attribute "orgId" is a string key of table "projects", but the id of "org" ("orgId" of table "orgs") is a number; declare the same type in both tables\' keyTypes',
    ]);
  });
});

describe('Function: canonicalNumber', () => {
  it.each([
    ['7', '7'],
    ['007', '7'],
    ['+7', '7'],
    ['7.0', '7'],
    ['7e0', '7'],
    ['1e2', '100'],
    ['1E+2', '100'],
    ['100e-2', '1'],
    ['-1.50', '-1.5'],
    ['0.000', '0'],
    ['-0', '0'],
    ['.5', '0.5'],
    ['5.', '5'],
    ['1.5e-7', '0.00000015'],
    ['12345678901234567890123456789012345678', '12345678901234567890123456789012345678'],
    [
      '9.9999999999999999999999999999999999999E+125',
      `99999999999999999999999999999999999999${'0'.repeat(88)}`,
    ],
    ['1E-130', `0.${'0'.repeat(129)}1`],
  ])('normalises %s to %s as DynamoDB does', (text, canonical) => {
    expect(canonicalNumber(text)).toBe(canonical);
  });

  it.each([
    [''],
    ['-'],
    ['.'],
    ['abc'],
    ['7a'],
    [' 7'],
    ['0x10'],
    ['1e'],
    ['Infinity'],
    ['NaN'],
    ['123456789012345678901234567890123456789'],
    ['1E+126'],
    ['1E-131'],
  ])('refuses %j, which DynamoDB cannot store as a Number', (text) => {
    expect(canonicalNumber(text)).toBeUndefined();
  });
});

describe('Function: canonicalId', () => {
  it('gives one id for every spelling of a Number: 007, 7, 7.0, 7e0 and the number 7', () => {
    // Act
    const ids = ['007', '7', '7.0', '7e0', 7, 7n].map((value) =>
      canonicalId('number', value, 'id'),
    );

    // Assess
    expect(new Set(ids)).toEqual(new Set(['7']));
  });

  it('keeps String ids exactly as given: "007" and "7" are two ids', () => {
    expect(canonicalId('string', '007', 'id')).toBe('007');
    expect(canonicalId('string', '7', 'id')).toBe('7');
  });

  it('refuses a non-numeric id for a Number key, naming the attribute', () => {
    expect(() => canonicalId('number', 'acme', 'account id (accountId)')).toThrowError(
      /^account id \(accountId\) must be a number \(its key type is Number/,
    );
    expect(() => canonicalId('number', 'acme', 'id')).toThrowError(InvalidKeyValueError);
  });

  it('refuses a number for a String key', () => {
    expect(() => canonicalId('string', 7, 'org id (orgId)')).toThrowError(
      'org id (orgId) must be a non-empty string (its key type is String), got 7',
    );
  });
});

describe('Function: canonicalIdOrUndefined', () => {
  it('gives the canonical id of a parent attribute, or undefined when it names no usable id', () => {
    expect(canonicalIdOrUndefined('number', 7)).toBe('7');
    expect(canonicalIdOrUndefined('number', '007')).toBe('7');
    expect(canonicalIdOrUndefined('number', 'acme')).toBeUndefined();
    expect(canonicalIdOrUndefined('string', '')).toBeUndefined();
    expect(canonicalIdOrUndefined('string', null)).toBeUndefined();
    expect(canonicalIdOrUndefined('string', 'p1')).toBe('p1');
  });
});

describe('Function: keyValue', () => {
  it('sends a Number id as a number and a String id as it is', () => {
    expect(keyValue('number', '7', 'id')).toBe(7);
    expect(keyValue('number', '-1.5', 'id')).toBe(-1.5);
    expect(keyValue('string', '007', 'id')).toBe('007');
  });

  it('refuses a Number id a JS number cannot carry exactly', () => {
    expect(() => keyValue('number', '9007199254740993', 'id')).toThrowError(
      /id 9007199254740993 is a Number lethe cannot carry exactly/,
    );
    expect(() => keyValue('number', '0.12345678901234567890123', 'id')).toThrowError(
      InvalidKeyValueError,
    );
  });
});

describe('Function: renderKey, with Number values', () => {
  it('renders a Number key from a row and from an id alike', () => {
    // Prepare
    const template = 'accounts/{accountId}/';

    // Act
    const fromRow = renderKey(template, { accountId: 7 });
    const fromId = renderKey(template, {
      accountId: keyValue('number', canonicalId('number', '007', 'id'), 'id'),
    });
    const fromBigInt = renderKey(template, { accountId: 12345678901234567890n });

    // Assess
    expect(fromRow).toBe('accounts/7/');
    expect(fromId).toBe('accounts/7/');
    expect(fromBigInt).toBe('accounts/12345678901234567890/');
  });
});
