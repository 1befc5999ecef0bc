// How far back a graph table can be restored, as far as the construct can tell: point-in-time
// recovery on a table it was given (35 days, or the table's recovery period), and the backup
// retention the user declares for backups it cannot see (AWS Backup plans, on-demand backups).
// Tombstones must outlive that: a replay after a restore needs every tombstone written since.
import type { Duration } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';

/** Point-in-time recovery keeps 35 days unless a table sets a shorter recovery period. */
export const PITR_DEFAULT_DAYS = 35;

/** The longest restore window found, and what sets it (for the error message). */
export interface BackupRetention {
  readonly days: number;
  readonly source: string;
}

interface PitrSpec {
  readonly pointInTimeRecoveryEnabled?: unknown;
  readonly recoveryPeriodInDays?: unknown;
}

function pitrDays(spec: unknown): number | undefined {
  if (typeof spec !== 'object' || spec === null) return undefined;
  const { pointInTimeRecoveryEnabled, recoveryPeriodInDays } = spec as PitrSpec;
  if (pointInTimeRecoveryEnabled !== true) return undefined;
  return typeof recoveryPeriodInDays === 'number' ? recoveryPeriodInDays : PITR_DEFAULT_DAYS;
}

/** Days of point-in-time recovery on a table construct, if it has it on (tokens are not read). */
function tablePitrDays(table: dynamodb.ITable): number | undefined {
  const child = table.node.defaultChild;
  if (child instanceof dynamodb.CfnTable) return pitrDays(child.pointInTimeRecoverySpecification);
  if (child instanceof dynamodb.CfnGlobalTable) {
    const replicas = Array.isArray(child.replicas) ? child.replicas : [];
    const days = replicas.map((r) =>
      typeof r === 'object' && r !== null && 'pointInTimeRecoverySpecification' in r
        ? pitrDays(r.pointInTimeRecoverySpecification)
        : undefined,
    );
    const found = days.filter((d): d is number => d !== undefined);
    return found.length > 0 ? Math.max(...found) : undefined;
  }
  return undefined;
}

/**
 * The longest time a graph table can be restored from: point-in-time recovery of the given
 * tables, and `declared` (backups kept elsewhere). Undefined when neither is known.
 */
export function longestBackupRetention(
  tables: Readonly<Record<string, dynamodb.ITable>>,
  declared: Duration | undefined,
): BackupRetention | undefined {
  let longest: BackupRetention | undefined;
  for (const [key, table] of Object.entries(tables)) {
    const days = tablePitrDays(table);
    if (days !== undefined && (longest === undefined || days > longest.days))
      longest = { days, source: `point-in-time recovery of table "${key}"` };
  }
  const declaredDays = declared?.toDays({ integral: false });
  if (declaredDays !== undefined && (longest === undefined || declaredDays > longest.days))
    longest = { days: declaredDays, source: 'backupRetention' };
  return longest;
}
