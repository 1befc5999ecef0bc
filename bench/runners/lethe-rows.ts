// lethe's row path through the real worker and the queue: the seeded rows are children of a
// parent entity by the seeded GSI; one deletion request of the parent, units of 1,000 rows
// (two pages of 500, `rowPagesPerUnit`) deleted with BatchWriteItem (25 a call, several in
// flight), until the job completes; then, with the restore log on, the job restored by the
// engine's restore (timed on its own).
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { RestoreReport } from '../../lib/engine/restore-deletion.js';
import { defineGraph } from '../../lib/graph/define-graph.js';
import type { RowRunner } from '../bench-types.js';
import { runLethe } from './lethe-pipeline.js';

/**
 * lethe's row path; `restoreWindowDays: 0` is the same run without the restore log — the
 * baseline issue 17's cost target (the log ≤ 10% slower) is judged against. Otherwise the
 * default window (7 days): every page's rows are logged before they are erased.
 */
function letheRows(restoreWindowDays?: number): RowRunner {
  return async (env) => {
    const { table, keyAttribute, parentAttribute, index, parentId } = env.data;
    const name = `lethe${restoreWindowDays === 0 ? '-nolog' : ''}-${table}`.slice(0, 60);
    const graph = defineGraph({
      tables: {
        parents: { name: `${name}-parents`, partitionKey: 'parentId' },
        children: {
          name: table,
          partitionKey: keyAttribute,
          indexes: { [index]: { partitionKey: parentAttribute, sortKey: keyAttribute } },
        },
      },
      entities: {
        parent: { table: 'parents' },
        child: {
          table: 'children',
          parents: [{ entity: 'parent', attribute: parentAttribute, index, onDelete: 'cascade' }],
        },
      },
    });
    const relation = `parent.child.${parentAttribute}`;
    return runLethe(
      env,
      graph,
      name,
      { entity: 'parent', id: parentId },
      (job) => job.counts[relation]?.rowsDeleted ?? 0,
      [{ name: `${name}-parents`, partitionKey: 'parentId', indexes: [], stream: false }],
      {
        // With the log on, the job is restored after its deletion is measured (issue 17 §4).
        ...(restoreWindowDays === undefined
          ? {
              restoredOf: (report: RestoreReport) =>
                report.relations
                  .filter((r) => r.relation === relation && r.kind === 'rows')
                  .reduce((n, r) => n + r.restored, 0),
            }
          : { restoreWindowDays }),
        // The parent's own row, in both runs alike: a restore brings children back only under
        // a parent that is present or restored (an orphan is skipped), so without it nothing
        // could come back. Its deletion is one row in the job's finalize.
        setup: async () => {
          await env.clients.documents.send(
            new PutCommand({ TableName: `${name}-parents`, Item: { parentId } }),
          );
        },
      },
    );
  };
}

export const letheRowRunner: RowRunner = letheRows();
export const letheRowsWithoutRestoreLogRunner: RowRunner = letheRows(0);
