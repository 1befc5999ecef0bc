import { describe, expect, it } from 'vitest';
import { exampleGraph } from '../../../infra/example-graph.js';
import { MAX_SPAWNS_PER_UNIT, pageLimit } from '../../../lib/engine/page-limit.js';
import { getEntity } from '../../../lib/graph/graph-queries.js';

const graph = exampleGraph({ prefix: 'page-limit' });

describe('Function: pageLimit', () => {
  it('takes rowPagesPerUnit pages of rows that locate no objects', () => {
    // Prepare: memberships and alerts own no objects.
    const membership = getEntity(graph, 'membership');
    const alert = getEntity(graph, 'alert');

    // Act / Assess
    expect(pageLimit(membership, 500, 2)).toBe(1000);
    expect(pageLimit(alert, 300, 3)).toBe(900);
    expect(pageLimit(alert, 500)).toBe(500);
  });

  it('keeps one page of rows that locate objects by key or manifest: the intent holds each key', () => {
    // Prepare
    const artifact = getEntity(graph, 'artifact');
    const snapshot = getEntity(graph, 'snapshot');

    // Act / Assess
    expect(pageLimit(artifact, 500, 2)).toBe(500);
    expect(pageLimit(snapshot, 500, 4)).toBe(500);
  });

  it('keeps the spawn limit for children that cascade, whatever the pages per unit', () => {
    // Prepare
    const project = getEntity(graph, 'project');

    // Act / Assess
    expect(pageLimit(project, 500, 2)).toBe(MAX_SPAWNS_PER_UNIT - 1);
  });
});
