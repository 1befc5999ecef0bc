// The example data set on the example graph: a target organization to delete, and another
// tenant's organization as decoys, with everything the graph can express — a membership
// partition, projects with prefixes, artifacts with keys, snapshots whose manifests list
// content-addressed images shared across snapshots (and across tenants), alerts that only
// lose their project (set-null), and decoy objects right next to owned prefixes.
// Seeding also returns what a correct deletion of the target must leave behind.
import type { BulkWriter } from '../lib/adapters/bulk-writer.js';
import type { Graph } from '../lib/graph/graph-types.js';
import { refItem } from '../lib/model/refs.js';
import type { Item } from '../lib/ports/document-store.js';

export interface ExampleDatasetSize {
  readonly projects: number;
  readonly artifactsPerProject: number;
  readonly snapshotsPerProject: number;
  readonly imagesPerSnapshot: number;
  readonly imagePool: number;
  /** Images of the target's pool that the decoy tenant's snapshots also list. */
  readonly imagesSharedWithDecoy: number;
  readonly alertsPerProject: number;
  readonly members: number;
  readonly prefixObjectsPerProject: number;
  /** The decoy tenant is this fraction of the target's size. */
  readonly decoyScale: number;
}

/** ≥ 50,000 rows and ≥ 20,000 objects in all, sized to finish well within 3 minutes on 2 cores. */
export const DEMO_SIZE: ExampleDatasetSize = {
  projects: 20,
  artifactsPerProject: 1000,
  snapshotsPerProject: 50,
  imagesPerSnapshot: 3,
  imagePool: 300,
  imagesSharedWithDecoy: 30,
  alertsPerProject: 50,
  members: 27_000,
  prefixObjectsPerProject: 100,
  decoyScale: 0.1,
};

export const SMALL_SIZE: ExampleDatasetSize = {
  projects: 3,
  artifactsPerProject: 40,
  snapshotsPerProject: 6,
  imagesPerSnapshot: 3,
  imagePool: 10,
  imagesSharedWithDecoy: 3,
  alertsPerProject: 4,
  members: 7,
  prefixObjectsPerProject: 5,
  decoyScale: 0.5,
};

export function scaleSize(size: ExampleDatasetSize, factor: number): ExampleDatasetSize {
  return {
    ...size,
    projects: Math.max(1, Math.round(size.projects * factor)),
    members: Math.max(1, Math.round(size.members * factor)),
  };
}

export interface TenantData {
  readonly tenantId: string;
  readonly orgId: string;
  readonly projectIds: readonly string[];
  readonly rows: Readonly<Record<string, readonly Item[]>>;
  /** Every object seeded for the tenant, by bucket (images excluded: see `images`). */
  readonly objects: Readonly<Record<string, readonly string[]>>;
}

export interface SeededDataset {
  readonly size: ExampleDatasetSize;
  readonly target: TenantData;
  readonly decoy: TenantData;
  /** Unowned objects placed next to the target's prefixes (e.g. `projects/acme-p01x/…`). */
  readonly strayDecoys: Readonly<Record<string, readonly string[]>>;
  /** image key → owners (`snapshot#<id>`) registered for it. */
  readonly imageOwners: ReadonlyMap<string, readonly string[]>;
  /** What a correct deletion of the target organization does. */
  readonly expected: {
    readonly rowsDeleted: number;
    readonly rowsNulled: number;
    readonly objectsDeleted: number;
    readonly objectsShared: number;
    readonly imagesDeleted: readonly string[];
    readonly imagesKept: readonly string[];
  };
}

export interface SeedPorts {
  readonly writer: BulkWriter;
  /** Where reference counts live: refs are seeded as whole items, one per shared key. */
  readonly stateTable: string;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');
// Seeded rows are fresh, so retention policies (artifacts: 90 days) leave them alone.
const CREATED_AT = new Date().toISOString();

function names(graph: Graph) {
  const table = (name: string) => graph.tables[name]?.name ?? name;
  const bucket = (name: string) => graph.buckets[name]?.name ?? name;
  return {
    organizations: table('organizations'),
    memberships: table('memberships'),
    projects: table('projects'),
    artifacts: table('artifacts'),
    snapshots: table('snapshots'),
    alerts: table('alerts'),
    artifactsBucket: bucket('artifacts'),
    snapshotsBucket: bucket('snapshots'),
    imagesBucket: bucket('images'),
  };
}

function imageDigest(tenantPool: string, n: number): string {
  return `sha256-${tenantPool}-${pad(n, 5)}`;
}

function buildTenant(
  graph: Graph,
  tenantId: string,
  orgId: string,
  size: ExampleDatasetSize,
  imageOf: (p: number, s: number, i: number) => string,
) {
  const n = names(graph);
  const rows: Record<string, Item[]> = {
    [n.organizations]: [{ orgId, tenantId, createdAt: CREATED_AT, name: `${tenantId} inc.` }],
    [n.memberships]: [],
    [n.projects]: [],
    [n.artifacts]: [],
    [n.snapshots]: [],
    [n.alerts]: [],
  };
  const objects: Record<string, string[]> = { [n.artifactsBucket]: [], [n.snapshotsBucket]: [] };
  const manifests: { key: string; body: string; snapshotId: string; images: string[] }[] = [];
  const projectIds: string[] = [];
  for (let m = 0; m < size.members; m++)
    rows[n.memberships]?.push({ orgId, userId: `user-${pad(m, 5)}`, role: 'member' });
  for (let p = 0; p < size.projects; p++) {
    const projectId = `${orgId}-p${pad(p + 1)}`;
    projectIds.push(projectId);
    rows[n.projects]?.push({ projectId, orgId, tenantId, createdAt: CREATED_AT });
    for (let o = 0; o < size.prefixObjectsPerProject; o++) {
      objects[n.artifactsBucket]?.push(`projects/${projectId}/uploads/file-${pad(o, 4)}.dat`);
    }
    for (let a = 0; a < size.artifactsPerProject; a++) {
      const artifactId = `${projectId}-a${pad(a, 5)}`;
      rows[n.artifacts]?.push({
        artifactId,
        projectId,
        tenantId,
        createdAt: CREATED_AT,
        retentionClass: 'standard',
      });
      objects[n.artifactsBucket]?.push(`artifacts/${projectId}/${artifactId}.bin`);
    }
    for (let s = 0; s < size.snapshotsPerProject; s++) {
      const snapshotId = `${projectId}-s${pad(s, 4)}`;
      rows[n.snapshots]?.push({ snapshotId, projectId, tenantId, createdAt: CREATED_AT });
      const images = [
        ...new Set(Array.from({ length: size.imagesPerSnapshot }, (_, i) => imageOf(p, s, i))),
      ];
      const key = `manifests/${snapshotId}.json`;
      manifests.push({ key, snapshotId, images, body: JSON.stringify({ snapshotId, images }) });
      objects[n.snapshotsBucket]?.push(key);
    }
    for (let a = 0; a < size.alertsPerProject; a++) {
      rows[n.alerts]?.push({
        alertId: `${projectId}-alert${pad(a, 3)}`,
        projectId,
        tenantId,
        rule: 'error-rate > 5%',
      });
    }
  }
  return { tenant: { tenantId, orgId, projectIds, rows, objects }, manifests };
}

export async function seedExampleDataset(
  graph: Graph,
  ports: SeedPorts,
  size: ExampleDatasetSize,
  ids: { target?: string; decoy?: string } = {},
): Promise<SeededDataset> {
  const n = names(graph);
  const targetOrg = ids.target ?? 'acme';
  const decoyOrg = ids.decoy ?? 'acmex';
  const pool = (i: number) => imageDigest(targetOrg, i % size.imagePool);
  const target = buildTenant(graph, 'tenant-acme', targetOrg, size, (p, s, i) =>
    pool(p * 7919 + s * 104729 + i * 31),
  );
  const decoySize: ExampleDatasetSize = {
    ...size,
    projects: Math.max(1, Math.round(size.projects * size.decoyScale)),
    artifactsPerProject: Math.max(1, Math.round(size.artifactsPerProject * size.decoyScale)),
    members: Math.max(1, Math.round(size.members * size.decoyScale)),
  };
  // The decoy tenant lists the first images of the target's pool, plus images of its own.
  const decoy = buildTenant(graph, 'tenant-globex', decoyOrg, decoySize, (p, s, i) =>
    i === 0
      ? pool((p * 13 + s) % Math.max(1, size.imagesSharedWithDecoy))
      : imageDigest(decoyOrg, p * 100 + s + i),
  );

  const strayDecoys: Record<string, string[]> = {
    [n.artifactsBucket]: target.tenant.projectIds.flatMap((projectId) => [
      `projects/${projectId}x/stray.dat`,
      `projects/${projectId}-old/stray.dat`,
      `artifacts/${projectId}x/stray.bin`,
    ]),
    [n.snapshotsBucket]: [`manifests/${targetOrg}-p01x-s0000.json`],
  };

  const imageOwners = new Map<string, string[]>();
  for (const manifest of [...target.manifests, ...decoy.manifests]) {
    for (const image of manifest.images) {
      const key = `images/${image}`;
      imageOwners.set(key, [...(imageOwners.get(key) ?? []), `snapshot#${manifest.snapshotId}`]);
    }
  }

  for (const tenant of [target.tenant, decoy.tenant]) {
    for (const [table, items] of Object.entries(tenant.rows))
      await ports.writer.putItems(table, items);
  }
  for (const [bucket, keys] of Object.entries(target.tenant.objects)) {
    const bodies = new Map([...target.manifests, ...decoy.manifests].map((m) => [m.key, m.body]));
    await ports.writer.putObjects(
      bucket,
      keys.map((key) => ({ key, body: bodies.get(key) ?? `owned by ${targetOrg}` })),
    );
  }
  for (const [bucket, keys] of Object.entries(decoy.tenant.objects)) {
    const bodies = new Map(decoy.manifests.map((m) => [m.key, m.body]));
    await ports.writer.putObjects(
      bucket,
      keys.map((key) => ({ key, body: bodies.get(key) ?? `owned by ${decoyOrg}` })),
    );
  }
  for (const [bucket, keys] of Object.entries(strayDecoys)) {
    await ports.writer.putObjects(
      bucket,
      keys.map((key) => ({ key, body: 'not owned by anyone in the graph' })),
    );
  }
  await ports.writer.putObjects(
    n.imagesBucket,
    [...imageOwners.keys()].map((key) => ({ key, body: `image ${key}` })),
  );
  // The same items registerRef builds up one owner at a time, written in bulk.
  await ports.writer.putItems(
    ports.stateTable,
    [...imageOwners].map(([key, owners]) => refItem(n.imagesBucket, key, owners)),
  );

  const targetOwners = new Set(target.manifests.map((m) => `snapshot#${m.snapshotId}`));
  const imagesDeleted: string[] = [];
  const imagesKept: string[] = [];
  let targetRefs = 0;
  for (const [key, owners] of imageOwners) {
    const mine = owners.filter((o) => targetOwners.has(o)).length;
    targetRefs += mine;
    if (mine === 0) imagesKept.push(key);
    else if (mine === owners.length) imagesDeleted.push(key);
    else imagesKept.push(key);
  }
  const count = (tenant: TenantData, table: string) => tenant.rows[table]?.length ?? 0;
  const t = target.tenant;
  return {
    size,
    target: t,
    decoy: decoy.tenant,
    strayDecoys,
    imageOwners,
    expected: {
      rowsDeleted:
        count(t, n.organizations) +
        count(t, n.memberships) +
        count(t, n.projects) +
        count(t, n.artifacts) +
        count(t, n.snapshots),
      rowsNulled: count(t, n.alerts),
      objectsDeleted:
        Object.values(t.objects).reduce((sum, keys) => sum + keys.length, 0) + imagesDeleted.length,
      objectsShared: targetRefs - imagesDeleted.length,
      imagesDeleted,
      imagesKept,
    },
  };
}

export function datasetTotals(dataset: SeededDataset): { rows: number; objects: number } {
  const rows = [dataset.target, dataset.decoy].reduce(
    (sum, tenant) => sum + Object.values(tenant.rows).reduce((s, items) => s + items.length, 0),
    0,
  );
  const objects =
    [dataset.target, dataset.decoy, { objects: dataset.strayDecoys }].reduce(
      (sum, tenant) => sum + Object.values(tenant.objects).reduce((s, keys) => s + keys.length, 0),
      0,
    ) + dataset.imageOwners.size;
  return { rows, objects };
}
