// Versioned buckets, at the request level. fauxqs does not implement versioning, so S3's
// side is played by SDK middleware on the real client: deletes in the versioned bucket go to
// fauxqs and their answers get the delete markers S3 would report; a restore's DeleteObjects
// naming versions is answered as S3 answers it and recorded, not sent. What is proven: the
// exact requests lethe sends, version ids included, and its counts — not that S3 brings the
// bytes back (that part was not run against a real implementation).
import type { DeleteObjectsCommandInput, DeleteObjectsCommandOutput } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { exampleGraphDefinition } from '../../../infra/example-graph.js';
import { defineGraph } from '../../../lib/graph/define-graph.js';
import { totalOf } from '../../../lib/model/counters.js';
import { SMALL_SIZE } from '../../../local/example-dataset.js';
import { createPipelineHarness } from '../support/pipeline-harness.js';

describe('Versioned buckets', () => {
  it('records the delete markers it created, counts them hidden, and restore removes exactly those', async () => {
    // Prepare
    const pipeline = await createPipelineHarness('restore-versioned', {
      graph: (prefix) => {
        const definition = exampleGraphDefinition({ prefix });
        return defineGraph({
          ...definition,
          buckets: {
            ...definition.buckets,
            artifacts: { ...definition.buckets.artifacts, versioned: true },
          },
        });
      },
    });
    const versioned = pipeline.graph.buckets.artifacts?.name ?? '';
    const markers = new Map<string, string[]>();
    const restoreRequests: { Key?: string | undefined; VersionId?: string | undefined }[] = [];
    let next = 0;
    pipeline.clients.s3.middlewareStack.add(
      (send, context) => async (args) => {
        if (context.commandName !== 'DeleteObjectsCommand') return send(args);
        const input = args.input as DeleteObjectsCommandInput;
        if (input.Bucket !== versioned) return send(args);
        const objects = input.Delete?.Objects ?? [];
        if (objects.some((o) => o.VersionId !== undefined)) {
          restoreRequests.push(...objects);
          const answer: DeleteObjectsCommandOutput = {
            // Deleting a delete marker by version id: S3 echoes it as a marker.
            Deleted: objects.map((o) => ({
              Key: o.Key,
              VersionId: o.VersionId,
              DeleteMarker: true,
              DeleteMarkerVersionId: o.VersionId,
            })),
            $metadata: {},
          };
          return { output: answer, response: {} };
        }
        const result = await send(args);
        const output = result.output as DeleteObjectsCommandOutput;
        const deleted = (output.Deleted ?? []).map((d) => {
          const versionId = `marker-${next++}`;
          if (d.Key !== undefined) markers.set(d.Key, [...(markers.get(d.Key) ?? []), versionId]);
          return { ...d, DeleteMarker: true, DeleteMarkerVersionId: versionId };
        });
        return { ...result, output: { ...output, Deleted: deleted } };
      },
      { step: 'initialize', name: 'versionedBucketStandIn' },
    );
    const dataset = await pipeline.seed({ ...SMALL_SIZE, projects: 2, decoyScale: 0.2 });
    const seeded = dataset.target.objects[versioned] ?? [];

    // Act
    const { jobId } = await pipeline.engine.requestDeletion({ entity: 'organization', id: 'acme' });
    // Every message twice, concurrently: a unit run twice writes markers twice.
    const job = await pipeline.run(jobId, { duplicate: true });
    const report = await pipeline.restore(jobId);

    // Assess
    expect(seeded.length).toBeGreaterThan(0);
    expect(totalOf(job.counts, 'objectsHidden')).toBe(seeded.length);
    const sent = restoreRequests.map((o) => `${o.Key}@${o.VersionId}`).sort();
    const created = [...markers].flatMap(([key, ids]) => ids.map((id) => `${key}@${id}`)).sort();
    expect(sent).toEqual(created);
    expect(new Set(restoreRequests.map((o) => o.Key))).toEqual(new Set(seeded));
    expect(report.totals.objectsRestored).toBe(seeded.length);
    // Only the unversioned buckets' objects are reported as gone for good.
    expect(report.notRestorable.reduce((n, r) => n + r.objects, 0)).toBe(
      totalOf(job.counts, 'objectsDeleted'),
    );
  });
});
