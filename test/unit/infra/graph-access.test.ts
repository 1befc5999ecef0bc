import { describe, expect, it } from 'vitest';
import { exampleGraph } from '../../../infra/example-graph.js';
import { graphAccess, minimalAreas } from '../../../infra/graph-access.js';
import { handlerEntrySource } from '../../../infra/handler-entry.js';
import { defineGraph } from '../../../lib/graph/define-graph.js';
import { graphFingerprint } from '../../../lib/graph/graph-fingerprint.js';

describe('Function: graphAccess', () => {
  it('lists the example graph’s delete, read and list areas by static prefix', () => {
    // Act
    const access = graphAccess(exampleGraph());

    // Assess
    const show = (areas: readonly { bucket: string; prefix: string }[]) =>
      areas.map((a) => `${a.bucket}/${a.prefix}`);
    expect(show(access.deleteAreas)).toEqual([
      'lethe-example-artifacts/artifacts/',
      'lethe-example-artifacts/projects/',
      'lethe-example-images/images/',
      'lethe-example-snapshots/manifests/',
    ]);
    expect(show(access.readAreas)).toEqual(['lethe-example-snapshots/manifests/']);
    // Every area lethe counts keys in: prefixes, and the keys it looks up before counting.
    expect(show(access.listAreas)).toEqual([
      'lethe-example-artifacts/artifacts/',
      'lethe-example-artifacts/projects/',
      'lethe-example-images/images/',
      'lethe-example-snapshots/manifests/',
    ]);
    expect(access.readBuckets).toEqual(['snapshots']);
    expect(access.updateTables).toEqual(['alerts']);
    expect(access.retentionIndexes).toEqual({ artifacts: ['byRetention'] });
  });

  it('leaves ttl-shared content out of the deletable areas, and reads archives at the same prefixes', () => {
    // Prepare
    const graph = defineGraph({
      tables: { docs: { name: 'docs', partitionKey: 'docId' } },
      buckets: { hot: { name: 'hot' }, archive: { name: 'archive' }, blobs: { name: 'blobs' } },
      entities: {
        doc: {
          table: 'docs',
          objects: [
            { kind: 'key', bucket: 'hot', template: 'docs/{docId}.pdf' },
            { kind: 'key', bucket: 'blobs', template: 'blobs/{docId}', shared: 'ttl' },
          ],
          guards: { requireArchiveCopy: { bucket: 'archive' } },
        },
      },
    });

    // Act
    const access = graphAccess(graph);

    // Assess
    expect(access.deleteAreas.map((a) => `${a.bucket}/${a.prefix}`)).toEqual(['hot/docs/']);
    expect(access.readAreas.map((a) => `${a.bucket}/${a.prefix}`)).toEqual(['archive/docs/']);
    expect(access.readBuckets).toEqual(['archive']);
    // ttl content is never deleted, but counted as left to its TTL only when it exists.
    expect(access.listAreas.map((a) => `${a.bucket}/${a.prefix}`)).toEqual([
      'blobs/blobs/',
      'hot/docs/',
    ]);
  });
});

describe('Function: minimalAreas', () => {
  it('drops duplicates and areas nested in another of the same bucket', () => {
    // Prepare
    const area = (bucket: string, prefix: string) => ({ bucketKey: bucket, bucket, prefix });

    // Act
    const areas = minimalAreas([
      area('b', 'projects/'),
      area('b', 'projects/p/'),
      area('b', 'projects/'),
      area('c', 'projects/p/'),
      undefined,
    ]);

    // Assess
    expect(areas).toEqual([area('b', 'projects/'), area('c', 'projects/p/')]);
  });
});

describe('Function: handlerEntrySource', () => {
  it('imports the graph module, the factory and the Lambda tracer, and exports the handler', () => {
    // Act
    const source = handlerEntrySource({
      kind: 'worker',
      graphModule: '/app/deletion-graph.ts',
      graphExport: 'deletionGraph',
    });

    // Assess
    expect(source).toContain('import { deletionGraph as graph } from "/app/deletion-graph.ts";');
    expect(source).toMatch(/import \{ createWorkerHandler \} from ".*\/functions\/worker\.ts";/);
    expect(source).toMatch(/import \{ lambdaTracer \} from ".*\/functions\/lambda-tracer\.ts";/);
    expect(source).toContain(
      'export const handler = createWorkerHandler(graph, { tracer: lambdaTracer() });',
    );
  });
});

describe('Function: graphFingerprint', () => {
  it('is stable across key order and changes with any declared name', () => {
    // Prepare
    const a = exampleGraph();
    const b = exampleGraph();
    const renamed = exampleGraph({ prefix: 'other' });

    // Assess
    expect(graphFingerprint(a)).toMatch(/^[0-9a-f]{16}$/);
    expect(graphFingerprint(a)).toBe(graphFingerprint(b));
    expect(graphFingerprint(renamed)).not.toBe(graphFingerprint(a));
  });
});
