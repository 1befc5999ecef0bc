// lethe's object path through the real worker and the queue: an entity that owns the seeded
// prefix (`objects/{ownerId}/`), one deletion request, prefix units of 1,000 keys each with
// lethe's own bookkeeping (intents, exactly-once settlement), until the job completes.
import { defineGraph } from '../../lib/graph/define-graph.js';
import { totalOf } from '../../lib/model/counters.js';
import type { ObjectRunner } from '../bench-types.js';
import { runLethe } from './lethe-pipeline.js';

/**
 * lethe's object path; `receiptLeaves: false` is the same run without hashing and storing
 * receipt leaves — the baseline issue 18's cost target (≤ 5% slower) is judged against.
 */
function letheObjects(receiptLeaves: boolean): ObjectRunner {
  return async (env) => {
    const name = `lethe${receiptLeaves ? '' : '-nl'}-${env.data.bucket}`.slice(0, 60);
    const graph = defineGraph({
      tables: { owners: { name: `${name}-owners`, partitionKey: 'ownerId' } },
      buckets: { objects: { name: env.data.bucket } },
      entities: {
        owner: {
          table: 'owners',
          objects: [{ kind: 'prefix', bucket: 'objects', template: 'objects/{ownerId}/' }],
        },
      },
    });
    return runLethe(
      env,
      graph,
      name,
      { entity: 'owner', id: env.data.ownerId },
      (job) => totalOf(job.counts, 'objectsDeleted'),
      [{ name: `${name}-owners`, partitionKey: 'ownerId', indexes: [], stream: false }],
      { receiptLeaves },
    );
  };
}

export const letheObjectRunner: ObjectRunner = letheObjects(true);
export const letheObjectsWithoutLeavesRunner: ObjectRunner = letheObjects(false);
