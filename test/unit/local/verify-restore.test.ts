// The demo's outside check of a restore fails unless the objects its report calls not
// restorable are exactly the tenant's seeded objects still missing afterwards (it used to
// pass whatever the report said).
import { describe, expect, it } from 'vitest';
import { exampleGraph } from '../../../infra/example-graph.js';
import type { SeededDataset } from '../../../local/example-dataset.js';
import { verifyExampleRestore } from '../../../local/verify-restore.js';

describe('Function: verifyExampleRestore', () => {
  const graph = exampleGraph();
  const bucket = Object.values(graph.buckets)[0]?.name ?? '';
  const dataset = {
    target: { rows: {}, objects: { [bucket]: ['a/1', 'a/2', 'a/3'] } },
    expected: { imagesDeleted: [] },
  } as unknown as SeededDataset;
  // One of the three came back (a shared object kept, or a version restored).
  const ports = {
    docs: { get: async () => undefined },
    objects: {
      existing: async (_bucket: string, keys: readonly string[]) =>
        new Set(keys.filter((key) => key === 'a/2')),
    },
  } as never;
  const check = async (objects: number) => {
    const verification = await verifyExampleRestore(graph, ports, dataset, {
      notRestorable: [{ relation: 'organization.project', objects }],
    });
    return verification.checks.find((c) => c.name.includes('not restorable'))?.ok;
  };

  it('passes only when the report names as many objects as are still missing', async () => {
    expect(await check(2)).toBe(true);
    expect(await check(3)).toBe(false);
    expect(await check(0)).toBe(false);
  });
});
