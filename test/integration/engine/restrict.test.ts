// Issue 15 §5: a restrict relation is decided once, the same under every delivery order, and
// the same as `plan`. Graph: org → team (cascade), org → project (cascade), project.teamId →
// team (restrict). A project that the same job deletes (reached by cascade from the root) does
// not block its team; a project outside the job does. The messages are driven by hand, so each
// order is chosen, not left to the queue: scripted orders, then shuffles with duplicates
// (twins run concurrently, older copies handed over again later).
import { describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../../lib/engine/create-engine.js';
import type { DeletionPlan } from '../../../lib/engine/plan-deletion.js';
import type { WorkMessage } from '../../../lib/engine/work-message.js';
import { defineGraph } from '../../../lib/graph/define-graph.js';
import type { Graph } from '../../../lib/graph/graph-types.js';
import { COUNTER_KINDS, type Counts } from '../../../lib/model/counters.js';
import type { Job } from '../../../lib/model/jobs.js';
import type { Item } from '../../../lib/ports/document-store.js';
import { createPrng, type Prng } from '../../reliability/support/prng.js';
import { createPipelineHarness, type PipelineHarness } from '../support/pipeline-harness.js';

/** With `projectsCascade`, projects have artifacts: they are tombstoned and finalized. */
function restrictGraph(prefix: string, projectsCascade: boolean): Graph {
  return defineGraph({
    tables: {
      organizations: { name: `${prefix}-organizations`, partitionKey: 'orgId' },
      teams: {
        name: `${prefix}-teams`,
        partitionKey: 'teamId',
        indexes: { byOrg: { partitionKey: 'orgId' } },
      },
      projects: {
        name: `${prefix}-projects`,
        partitionKey: 'projectId',
        indexes: { byOrg: { partitionKey: 'orgId' }, byTeam: { partitionKey: 'teamId' } },
      },
      artifacts: {
        name: `${prefix}-artifacts`,
        partitionKey: 'artifactId',
        indexes: { byProject: { partitionKey: 'projectId' } },
      },
    },
    entities: {
      organization: { table: 'organizations' },
      team: {
        table: 'teams',
        parents: [
          { entity: 'organization', attribute: 'orgId', index: 'byOrg', onDelete: 'cascade' },
        ],
      },
      project: {
        table: 'projects',
        parents: [
          { entity: 'organization', attribute: 'orgId', index: 'byOrg', onDelete: 'cascade' },
          { entity: 'team', attribute: 'teamId', index: 'byTeam', onDelete: 'restrict' },
        ],
      },
      ...(projectsCascade
        ? {
            artifact: {
              table: 'artifacts',
              parents: [
                {
                  entity: 'project',
                  attribute: 'projectId',
                  index: 'byProject',
                  onDelete: 'cascade' as const,
                },
              ],
            },
          }
        : {}),
    },
  });
}

interface Fixture {
  readonly pipeline: PipelineHarness;
  readonly tables: { orgs: string; teams: string; projects: string; artifacts: string };
}

async function fixture(label: string, projectsCascade: boolean): Promise<Fixture> {
  const pipeline = await createPipelineHarness(label, {
    graph: (prefix) => restrictGraph(prefix, projectsCascade),
  });
  const name = (table: string) => pipeline.graph.tables[table]?.name ?? '';
  return {
    pipeline,
    tables: {
      orgs: name('organizations'),
      teams: name('teams'),
      projects: name('projects'),
      artifacts: name('artifacts'),
    },
  };
}

/** Writes the rows of one scenario (each scenario uses its own ids). */
async function seed(f: Fixture, rows: { table: keyof Fixture['tables']; item: Item }[]) {
  const docs = f.pipeline.engine.context.docs;
  for (const { table, item } of rows) await docs.put(f.tables[table], item);
}

type Order = (pending: readonly string[]) => number;

interface DriveOptions {
  readonly order: Order;
  /** Duplicates: a twin handled concurrently, or an older copy handed over again later. */
  readonly prng?: Prng;
}

/**
 * Runs a job by hand: every message the engine sends is kept, and the next one handled is
 * the one `order` picks. Returns the completed job.
 */
async function drive(f: Fixture, root: { entity: string; id: string }, options: DriveOptions) {
  const pending: string[] = [];
  const engine: Engine = createEngine({
    graph: f.pipeline.graph,
    settings: f.pipeline.settings,
    documents: f.pipeline.engine.context.docs,
    objects: f.pipeline.engine.context.objects,
    events: f.pipeline.events,
    queue: { send: async (messages) => void pending.push(...messages.map((m) => m.body)) },
  });
  const { jobId } = await engine.requestDeletion(root);
  const redelivered = new Set<string>();
  for (let steps = 0; pending.length > 0; steps++) {
    if (steps > 500) throw new Error('the job did not converge');
    const [body] = pending.splice(options.order(pending), 1);
    if (body === undefined) break;
    const { prng } = options;
    if (prng && !redelivered.has(body) && prng.chance(0.5)) {
      redelivered.add(body);
      if (prng.chance(0.5)) {
        await Promise.all([engine.handleMessage(body), engine.handleMessage(body)]);
      } else {
        await engine.handleMessage(body);
        pending.push(body);
      }
      continue;
    }
    await engine.handleMessage(body);
  }
  const job = await engine.getJob(jobId);
  if (job?.status !== 'completed') throw new Error(`job ${jobId} did not complete`);
  return job;
}

const fifo: Order = () => 0;
const lifo: Order = (pending) => pending.length - 1;
/** Handles messages of `kind` (by type and entity or relation) only when nothing else is left. */
function last(match: (message: WorkMessage) => boolean): Order {
  return (pending) => {
    const index = pending.findIndex((body) => !match(JSON.parse(body) as WorkMessage));
    return index === -1 ? 0 : index;
  };
}
const teamFirst = last((m) => !(m.type === 'cascade' && m.entity === 'team'));
const projectsLast = last((m) => m.type === 'rows' && m.relation === 'organization.project.orgId');
const teamLast = last((m) => m.type === 'cascade' && m.entity === 'team');
const shuffled =
  (prng: Prng): Order =>
  (pending) =>
    prng.int(0, pending.length - 1);

/** The kinds `plan` predicts, per relation, from a job's or a plan's counts. */
function predicted(counts: Counts): Counts {
  const kinds = new Set<string>(['rowsDeleted', 'rowsNulled', 'blocked']);
  const out: Counts = {};
  for (const [relation, byKind] of Object.entries(counts)) {
    for (const kind of COUNTER_KINDS) {
      const n = byKind[kind];
      if (kinds.has(kind) && n) out[relation] = { ...out[relation], [kind]: n };
    }
  }
  return out;
}

function expectJobAsPlanned(job: Job, plan: DeletionPlan, order: string) {
  expect(job.outcome, order).toBe(plan.totals.blocked > 0 ? 'blocked' : 'deleted');
  expect(predicted(job.counts), order).toEqual(predicted(plan.relations));
}

const ORDERS: [string, (seed: number) => DriveOptions][] = [
  ['in arrival order', () => ({ order: fifo })],
  ['newest first', () => ({ order: lifo })],
  ['the team cascade before anything else', () => ({ order: teamFirst })],
  ['the projects page after everything else', () => ({ order: projectsLast })],
  ['the team cascade after everything else', () => ({ order: teamLast })],
  ...[1, 2, 3, 4, 5, 6].map((seed): [string, (seed: number) => DriveOptions] => [
    `shuffled and duplicated (seed ${seed})`,
    () => {
      const prng = createPrng(seed).fork('restrict');
      return { order: shuffled(prng.fork('order')), prng: prng.fork('dup') };
    },
  ]),
];

describe.each([
  ['leaf projects', false],
  ['projects with children', true],
])('Relation: restrict, decided once (%s)', (label, projectsCascade) => {
  it('deletes the team whose only restricting projects the same job deletes, in every order, as plan says', async () => {
    const f = await fixture(`rin-${projectsCascade ? 'c' : 'l'}`, projectsCascade);
    for (const [name, options] of ORDERS) {
      // Prepare: one organization per order, so each run starts from the same rows.
      const org = `o-${name.replace(/\W+/g, '-')}`;
      await seed(f, [
        { table: 'orgs', item: { orgId: org } },
        { table: 'teams', item: { teamId: `${org}-t1`, orgId: org } },
        { table: 'projects', item: { projectId: `${org}-p1`, orgId: org, teamId: `${org}-t1` } },
        { table: 'projects', item: { projectId: `${org}-p2`, orgId: org, teamId: `${org}-t1` } },
        { table: 'artifacts', item: { artifactId: `${org}-a1`, projectId: `${org}-p1` } },
      ]);
      const plan = await f.pipeline.engine.plan('organization', org);

      // Act
      const job = await drive(f, { entity: 'organization', id: org }, options(0));

      // Assess
      expect(plan.totals.blocked, `${label}, ${name}: plan`).toBe(0);
      expectJobAsPlanned(job, plan, `${label}, ${name}`);
      const docs = f.pipeline.engine.context.docs;
      expect(await docs.get(f.tables.orgs, { orgId: org }), name).toBeUndefined();
      expect(await docs.get(f.tables.teams, { teamId: `${org}-t1` }), name).toBeUndefined();
      expect(await docs.get(f.tables.projects, { projectId: `${org}-p1` }), name).toBeUndefined();
      expect(await docs.get(f.tables.projects, { projectId: `${org}-p2` }), name).toBeUndefined();
    }
  });

  it('blocks the team and the organization when a project outside the job restricts it, in every order, as plan says', async () => {
    const f = await fixture(`rout-${projectsCascade ? 'c' : 'l'}`, projectsCascade);
    for (const [name, options] of ORDERS) {
      // Prepare: p1 is this organization's; x1 belongs to another one and names the same team.
      const org = `o-${name.replace(/\W+/g, '-')}`;
      await seed(f, [
        { table: 'orgs', item: { orgId: org } },
        { table: 'orgs', item: { orgId: `${org}-other` } },
        { table: 'teams', item: { teamId: `${org}-t1`, orgId: org } },
        { table: 'projects', item: { projectId: `${org}-p1`, orgId: org, teamId: `${org}-t1` } },
        {
          table: 'projects',
          item: { projectId: `${org}-x1`, orgId: `${org}-other`, teamId: `${org}-t1` },
        },
      ]);
      const plan = await f.pipeline.engine.plan('organization', org);

      // Act
      const job = await drive(f, { entity: 'organization', id: org }, options(0));

      // Assess
      expect(plan.totals.blocked, `${label}, ${name}: plan`).toBeGreaterThan(0);
      expectJobAsPlanned(job, plan, `${label}, ${name}`);
      expect(job.counts['team.project.teamId']?.blocked, name).toBe(1);
      const docs = f.pipeline.engine.context.docs;
      expect(await docs.get(f.tables.orgs, { orgId: org }), name).toBeDefined();
      expect(await docs.get(f.tables.teams, { teamId: `${org}-t1` }), name).toBeDefined();
      expect(await docs.get(f.tables.projects, { projectId: `${org}-x1` }), name).toBeDefined();
      expect(await docs.get(f.tables.projects, { projectId: `${org}-p1` }), name).toBeUndefined();
    }
  });
});

describe('Relation: restrict, deleting the restricted entity itself', () => {
  it('blocks a team deleted on its own while its organization’s projects name it, as plan says', async () => {
    // Prepare
    const f = await fixture('rteam', false);
    await seed(f, [
      { table: 'orgs', item: { orgId: 'o1' } },
      { table: 'teams', item: { teamId: 't1', orgId: 'o1' } },
      { table: 'projects', item: { projectId: 'p1', orgId: 'o1', teamId: 't1' } },
    ]);
    const plan = await f.pipeline.engine.plan('team', 't1');

    // Act
    const job = await drive(f, { entity: 'team', id: 't1' }, { order: fifo });

    // Assess
    expect(plan.totals.blocked).toBeGreaterThan(0);
    expectJobAsPlanned(job, plan, 'team t1');
    expect(
      await f.pipeline.engine.context.docs.get(f.tables.teams, { teamId: 't1' }),
    ).toBeDefined();
  });
});
