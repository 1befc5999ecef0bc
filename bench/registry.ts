// Every runner the bench knows, in report order. The `lethe` entries point at
// runners/lethe-objects.ts and runners/lethe-rows.ts; while those export undefined, the
// entries stay and are reported as "not run".
import type { RunnerEntry, SeededObjects, SeededRows } from './bench-types.js';
import { awsCliVersion, rcloneVersion } from './external-tools.js';
import { awsS3Rm } from './runners/aws-s3-rm.js';
import { bareDeleteObjects } from './runners/bare-delete-objects.js';
import { deleteItemPerRow } from './runners/delete-item-per-row.js';
import { deleteObjectPerKey } from './runners/delete-object-per-key.js';
import { letheObjectRunner, letheObjectsWithoutLeavesRunner } from './runners/lethe-objects.js';
import { letheRowRunner, letheRowsWithoutRestoreLogRunner } from './runners/lethe-rows.js';
import { rcloneDelete } from './runners/rclone-delete.js';

export const OBJECT_RUNNERS: readonly RunnerEntry<SeededObjects>[] = [
  {
    id: 'lethe',
    label: 'lethe',
    role: 'lethe',
    description: "lethe's object path through the real worker and the work queue",
    run: letheObjectRunner,
  },
  {
    id: 'lethe-without-receipt-leaves',
    label: 'lethe without receipt leaves',
    role: 'limit',
    description:
      "lethe's object path with receipt leaves neither hashed nor stored: what receipts cost (issue 18: ≤ 5%)",
    run: letheObjectsWithoutLeavesRunner,
  },
  {
    id: 'bare-delete-objects',
    label: 'bare DeleteObjects loop',
    role: 'limit',
    description:
      'ListObjectsV2 + DeleteObjects, 1,000 keys a call, 4 calls in flight; no queue, no bookkeeping (the local limit)',
    run: bareDeleteObjects,
  },
  {
    id: 'delete-object-8-workers',
    label: 'DeleteObject per key, 8 workers',
    role: 'baseline',
    description: 'ListObjectsV2 pages, one DeleteObject per key, 8 in flight',
    run: deleteObjectPerKey,
  },
  {
    id: 'aws-s3-rm',
    label: 'aws s3 rm --recursive',
    role: 'baseline',
    description: 'the aws cli with its defaults (one DeleteObject per key, 10 in flight)',
    run: awsS3Rm,
    unavailable: async () =>
      (await awsCliVersion()) ? undefined : 'aws cli not installed (apt-get install -y awscli)',
  },
  {
    id: 'rclone-delete',
    label: 'rclone delete',
    role: 'baseline',
    description: 'rclone with its defaults (one DeleteObject per key)',
    run: rcloneDelete,
    unavailable: async () =>
      (await rcloneVersion()) ? undefined : 'rclone not installed (apt-get install -y rclone)',
  },
];

export const ROW_RUNNERS: readonly RunnerEntry<SeededRows>[] = [
  {
    id: 'lethe',
    label: 'lethe',
    role: 'lethe',
    description: "lethe's row path through the real worker and the work queue",
    run: letheRowRunner,
  },
  {
    id: 'lethe-without-restore-log',
    label: 'lethe without the restore log',
    role: 'limit',
    description:
      "lethe's row path with restoreWindowDays 0 (no row logged before it is erased): what the restore log costs (issue 17: ≤ 10%)",
    run: letheRowsWithoutRestoreLogRunner,
  },
  {
    id: 'delete-item-8-workers',
    label: 'DeleteItem per row, 8 workers',
    role: 'baseline',
    description:
      'Query the GSI by parent page by page (keys only), one DeleteItem per row, 8 in flight',
    run: deleteItemPerRow,
  },
];
