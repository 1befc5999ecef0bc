import { describe, expect, it } from 'vitest';
import { holdIdOf, holdSelectorSchema, placeHoldSchema } from '../../../lib/model/holds.js';

describe('Schema: placeHoldSchema', () => {
  it.each([
    ['an entity and its id', { entity: 'project', id: 'p1', reason: 'audit' }],
    ['a tenant', { tenantId: 't1', reason: 'litigation', placedBy: 'ops' }],
  ])('accepts a hold on %s', (_label, input) => {
    expect(placeHoldSchema.safeParse(input).success).toBe(true);
  });

  it.each([
    ['nothing to hold', { reason: 'x' }],
    ['an entity and a tenant', { entity: 'project', id: 'p', tenantId: 't', reason: 'x' }],
    ['an id without its entity', { id: 'p', reason: 'x' }],
    ['an empty reason', { tenantId: 't', reason: '  ' }],
    ['an unknown field', { tenantId: 't', reason: 'x', until: 'tomorrow' }],
  ])('refuses %s', (_label, input) => {
    expect(placeHoldSchema.safeParse(input).success).toBe(false);
  });
});

describe('Function: holdIdOf', () => {
  it('names entity holds and tenant holds distinctly', () => {
    expect(holdIdOf({ entity: 'project', id: 'p1' })).toBe('entity:project:p1');
    expect(holdIdOf({ tenantId: 't1' })).toBe('tenant:t1');
    expect(holdSelectorSchema.safeParse({ tenantId: 't1' }).success).toBe(true);
  });
});
