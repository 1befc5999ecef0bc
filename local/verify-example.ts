// The independent check of a deletion of the example data set. It reads the tables and
// buckets directly (Queries by key or index, listings by prefix, HeadObject on each exact key
// the seed wrote), never lethe's own state, and compares them with what the seed says must be
// gone and must remain. A listing alone is not enough: one that mangled a key would not show it.
import type { Graph } from '../lib/graph/graph-types.js';
import type { DocumentStore, Item } from '../lib/ports/document-store.js';
import type { ObjectStore } from '../lib/ports/object-store.js';
import { mapConcurrent } from '../lib/retry.js';
import type { SeededDataset, TenantData } from './example-dataset.js';

export interface VerificationCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface Verification {
  readonly ok: boolean;
  readonly checks: readonly VerificationCheck[];
}

export interface VerifyPorts {
  readonly docs: DocumentStore;
  readonly objects: ObjectStore;
}

async function queryAll(
  docs: DocumentStore,
  table: string,
  index: string | undefined,
  attribute: string,
  value: string,
) {
  const items: Item[] = [];
  let startKey: Record<string, string | number> | undefined;
  do {
    const page = await docs.query({
      table,
      index,
      keyCondition: { expression: '#a = :v', names: { '#a': attribute }, values: { ':v': value } },
      startKey,
    });
    items.push(...page.items);
    startKey = page.lastKey;
  } while (startKey);
  return items;
}

async function listAll(objects: ObjectStore, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await objects.listPage(bucket, prefix, token);
    keys.push(...page.keys);
    token = page.nextToken;
  } while (token);
  return keys;
}

/** Rows of a tenant, counted through keys and indexes. */
async function tenantRows(ports: VerifyPorts, graph: Graph, tenant: TenantData) {
  const t = (name: string) => graph.tables[name]?.name ?? name;
  const perProject = await mapConcurrent(tenant.projectIds, 8, async (projectId) => ({
    artifacts: (await queryAll(ports.docs, t('artifacts'), 'byProject', 'projectId', projectId))
      .length,
    snapshots: (await queryAll(ports.docs, t('snapshots'), 'byProject', 'projectId', projectId))
      .length,
    alerts: (await queryAll(ports.docs, t('alerts'), 'byProject', 'projectId', projectId)).length,
  }));
  return {
    organization: (await ports.docs.get(t('organizations'), { orgId: tenant.orgId })) ? 1 : 0,
    memberships: (await queryAll(ports.docs, t('memberships'), undefined, 'orgId', tenant.orgId))
      .length,
    projects: (await queryAll(ports.docs, t('projects'), 'byOrg', 'orgId', tenant.orgId)).length,
    artifacts: perProject.reduce((s, p) => s + p.artifacts, 0),
    snapshots: perProject.reduce((s, p) => s + p.snapshots, 0),
    alertsStillPointing: perProject.reduce((s, p) => s + p.alerts, 0),
  };
}

async function tenantObjects(
  ports: VerifyPorts,
  graph: Graph,
  tenant: TenantData,
): Promise<Set<string>> {
  const b = (name: string) => graph.buckets[name]?.name ?? name;
  const found = new Set<string>();
  await mapConcurrent(tenant.projectIds, 8, async (projectId) => {
    for (const key of await listAll(ports.objects, b('artifacts'), `projects/${projectId}/`))
      found.add(`${b('artifacts')}/${key}`);
    for (const key of await listAll(ports.objects, b('artifacts'), `artifacts/${projectId}/`))
      found.add(`${b('artifacts')}/${key}`);
    for (const key of await listAll(ports.objects, b('snapshots'), `manifests/${projectId}-s`))
      found.add(`${b('snapshots')}/${key}`);
  });
  return found;
}

/** `bucket/key` of each object that HeadObject still finds. */
async function storedOf(
  ports: VerifyPorts,
  objects: readonly { bucket: string; key: string }[],
): Promise<string[]> {
  const present = await mapConcurrent(objects, 16, (o) => ports.objects.exists(o.bucket, o.key));
  return objects.filter((_, index) => present[index]).map((o) => `${o.bucket}/${o.key}`);
}

function seededRowCount(graph: Graph, tenant: TenantData, table: string): number {
  return tenant.rows[graph.tables[table]?.name ?? table]?.length ?? 0;
}

function check(name: string, ok: boolean, detail: string): VerificationCheck {
  return { name, ok, detail };
}

export async function verifyExampleDeletion(
  graph: Graph,
  ports: VerifyPorts,
  dataset: SeededDataset,
): Promise<Verification> {
  const checks: VerificationCheck[] = [];
  const images = graph.buckets.images?.name ?? 'images';
  const alertsTable = graph.tables.alerts?.name ?? 'alerts';

  const target = await tenantRows(ports, graph, dataset.target);
  const targetRowsLeft =
    target.organization +
    target.memberships +
    target.projects +
    target.artifacts +
    target.snapshots;
  checks.push(
    check(
      'no owned row remains',
      targetRowsLeft === 0,
      `${targetRowsLeft} rows of ${dataset.target.orgId} left`,
    ),
  );

  const targetObjects = await tenantObjects(ports, graph, dataset.target);
  checks.push(
    check(
      'no owned object remains',
      targetObjects.size === 0,
      `${targetObjects.size} objects left${targetObjects.size ? `, e.g. ${[...targetObjects].slice(0, 3).join(', ')}` : ''}`,
    ),
  );

  const ownedKeys = Object.entries(dataset.target.objects).flatMap(([bucket, keys]) =>
    keys.map((key) => ({ bucket, key })),
  );
  const stillStored = await storedOf(ports, [
    ...ownedKeys,
    ...dataset.expected.imagesDeleted.map((key) => ({ bucket: images, key })),
  ]);
  checks.push(
    check(
      'no owned key remains (HeadObject on each)',
      stillStored.length === 0,
      `${stillStored.length} of ${ownedKeys.length + dataset.expected.imagesDeleted.length} keys left${stillStored.length ? `, e.g. ${stillStored.slice(0, 3).join(', ')}` : ''}`,
    ),
  );

  const alerts = dataset.target.rows[alertsTable] ?? [];
  const alertStates = await mapConcurrent(alerts, 32, async (alert) =>
    ports.docs.get(alertsTable, { alertId: String(alert.alertId) }),
  );
  const alertsKept = alertStates.filter((a) => a !== undefined).length;
  const alertsNulled = alertStates.filter(
    (a) => a !== undefined && a.projectId === undefined,
  ).length;
  checks.push(
    check(
      'set-null rows remain without their project',
      alertsKept === alerts.length &&
        alertsNulled === alerts.length &&
        target.alertsStillPointing === 0,
      `${alertsKept}/${alerts.length} alerts kept, ${alertsNulled} nulled`,
    ),
  );

  const imagesNow = new Set(await listAll(ports.objects, images, 'images/'));
  const keptMissing = dataset.expected.imagesKept.filter((key) => !imagesNow.has(key));
  const deletedPresent = dataset.expected.imagesDeleted.filter((key) => imagesNow.has(key));
  checks.push(
    check(
      'shared images still referenced remain',
      keptMissing.length === 0,
      `${dataset.expected.imagesKept.length - keptMissing.length}/${dataset.expected.imagesKept.length} kept`,
    ),
  );
  checks.push(
    check(
      'images only the target referenced are gone',
      deletedPresent.length === 0,
      `${dataset.expected.imagesDeleted.length - deletedPresent.length}/${dataset.expected.imagesDeleted.length} deleted`,
    ),
  );

  const decoy = await tenantRows(ports, graph, dataset.decoy);
  const decoyExpected = {
    organization: 1,
    memberships: seededRowCount(graph, dataset.decoy, 'memberships'),
    projects: seededRowCount(graph, dataset.decoy, 'projects'),
    artifacts: seededRowCount(graph, dataset.decoy, 'artifacts'),
    snapshots: seededRowCount(graph, dataset.decoy, 'snapshots'),
    alertsStillPointing: seededRowCount(graph, dataset.decoy, 'alerts'),
  };
  checks.push(
    check(
      "the other tenant's rows remain",
      JSON.stringify(decoy) === JSON.stringify(decoyExpected),
      `found ${JSON.stringify(decoy)}`,
    ),
  );
  const decoyObjects = await tenantObjects(ports, graph, dataset.decoy);
  const decoySeeded = Object.values(dataset.decoy.objects).reduce((s, keys) => s + keys.length, 0);
  checks.push(
    check(
      "the other tenant's objects remain",
      decoyObjects.size === decoySeeded,
      `${decoyObjects.size}/${decoySeeded}`,
    ),
  );

  let strayFound = 0;
  let straySeeded = 0;
  for (const [bucket, keys] of Object.entries(dataset.strayDecoys)) {
    straySeeded += keys.length;
    const present = await mapConcurrent(keys, 16, (key) => ports.objects.exists(bucket, key));
    strayFound += present.filter(Boolean).length;
  }
  checks.push(
    check(
      'decoy objects beside owned prefixes remain',
      strayFound === straySeeded,
      `${strayFound}/${straySeeded}`,
    ),
  );
  return { ok: checks.every((c) => c.ok), checks };
}
