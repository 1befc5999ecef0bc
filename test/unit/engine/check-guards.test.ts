import { describe, expect, it } from 'vitest';
import { exampleGraphDefinition } from '../../../infra/example-graph.js';
import { matchingHold, retentionReason, tenantOf } from '../../../lib/engine/check-guards.js';
import { defineGraph } from '../../../lib/graph/define-graph.js';
import type { Entity } from '../../../lib/graph/graph-types.js';
import type { Hold } from '../../../lib/model/holds.js';

function artifactWithRetention(days: number): Entity {
  const definition = exampleGraphDefinition();
  const graph = defineGraph({
    ...definition,
    entities: {
      ...definition.entities,
      artifact: { ...definition.entities.artifact, guards: { minRetentionDays: days } },
    },
  });
  const entity = graph.entities.artifact;
  if (!entity) throw new Error('no artifact entity');
  return entity;
}

const NOW = new Date('2026-03-01T00:00:00.000Z');
const hold = (h: Partial<Hold>): Hold => ({
  holdId: 'h',
  reason: 'r',
  placedAt: NOW.toISOString(),
  ...h,
});

describe('Function: retentionReason', () => {
  it('returns a reason naming the date it may go when the row is younger than the minimum', () => {
    // Prepare
    const entity = artifactWithRetention(30);
    const row = { artifactId: 'a1', createdAt: '2026-02-15T00:00:00.000Z' };

    // Act
    const reason = retentionReason(entity, { id: 'a1', row }, NOW);

    // Assess
    expect(reason).toBe(
      'retention: artifact "a1" was created 2026-02-15T00:00:00.000Z; kept 30 days, until 2026-03-17T00:00:00.000Z',
    );
  });

  it('returns nothing once the row is exactly as old as the minimum', () => {
    const entity = artifactWithRetention(30);
    const row = { artifactId: 'a1', createdAt: '2026-01-30T00:00:00.000Z' };
    expect(retentionReason(entity, { id: 'a1', row }, NOW)).toBeUndefined();
  });

  it('does not hold back a row without a creation time, or an instance whose row is gone', () => {
    const entity = artifactWithRetention(30);
    expect(retentionReason(entity, { id: 'a1', row: { artifactId: 'a1' } }, NOW)).toBeUndefined();
    expect(retentionReason(entity, { id: 'a1', row: undefined }, NOW)).toBeUndefined();
  });

  it('holds back a row whose creation time is not a date', () => {
    const entity = artifactWithRetention(30);
    const reason = retentionReason(entity, { id: 'a1', row: { createdAt: 'yesterday' } }, NOW);
    expect(reason).toMatch(/unreadable createdAt "yesterday"/);
  });

  it('returns nothing for an entity without the guard', () => {
    const entity = defineGraph(exampleGraphDefinition()).entities.artifact as Entity;
    expect(
      retentionReason(entity, { id: 'a1', row: { createdAt: NOW.toISOString() } }, NOW),
    ).toBeUndefined();
  });
});

describe('Function: matchingHold', () => {
  const holds = [
    hold({ holdId: 'entity:project:p1', entity: 'project', id: 'p1' }),
    hold({ holdId: 'tenant:t9', tenantId: 't9' }),
  ];

  it('finds an entity hold by entity and id, and a tenant hold by tenant', () => {
    expect(matchingHold(holds, [{ entity: 'project', id: 'p1' }])?.holdId).toBe(
      'entity:project:p1',
    );
    expect(matchingHold(holds, [{ entity: 'artifact', id: 'x', tenantId: 't9' }])?.holdId).toBe(
      'tenant:t9',
    );
  });

  it('does not confuse an id of one entity with the same id of another', () => {
    expect(matchingHold(holds, [{ entity: 'artifact', id: 'p1' }])).toBeUndefined();
  });

  it('finds nothing for subjects without a tenant when only tenant holds exist', () => {
    expect(
      matchingHold([hold({ tenantId: 't9' })], [{ entity: 'project', id: 'p1' }]),
    ).toBeUndefined();
  });
});

describe('Function: tenantOf', () => {
  it('reads the tenant attribute of a row, and nothing when absent or not a string', () => {
    const project = defineGraph(exampleGraphDefinition()).entities.project as Entity;
    const membership = defineGraph(exampleGraphDefinition()).entities.membership as Entity;
    expect(tenantOf(project, { tenantId: 't1' })).toBe('t1');
    expect(tenantOf(project, { tenantId: 7 })).toBeUndefined();
    expect(tenantOf(project, undefined)).toBeUndefined();
    expect(tenantOf(membership, { tenantId: 't1' })).toBeUndefined();
  });
});
