import { describe, expect, it } from 'vitest';
import { exampleGraph } from '../../../infra/example-graph.js';
import { resolveSettings } from '../../../lib/settings.js';
import { localResourcePlan } from '../../../local/local-resource-plan.js';

describe('Function: localResourcePlan', () => {
  it('creates the restore bucket when one is configured, as the construct does', () => {
    // Prepare
    const graph = exampleGraph();
    const base = { stateTableName: 's', workQueueName: 'w', deadLetterQueueName: 'd' };

    // Act
    const without = localResourcePlan(graph, resolveSettings(base));
    const withBucket = localResourcePlan(
      graph,
      resolveSettings({ ...base, restoreBucketName: 'lethe-restore-log' }),
    );

    // Assess
    expect(without.buckets.map((b) => b.name)).not.toContain('lethe-restore-log');
    expect(withBucket.buckets).toContainEqual({ name: 'lethe-restore-log', versioned: false });
    expect(withBucket.buckets).toHaveLength(without.buckets.length + 1);
  });
});
