import { describe, expect, it } from 'vitest';
import type { Item } from '../../../lib/ports/document-store.js';
import { SMALL_SIZE } from '../../../local/example-dataset.js';
import { connectTo, lethe } from '../support/lethe-cli.js';
import { createPipelineHarness } from '../support/pipeline-harness.js';

describe('CLI: verify', () => {
  it('verifies a completed job, finds a row put back, shows it in status and on the receipt, and refuses a running job', async () => {
    // Prepare
    const pipeline = await createPipelineHarness('cliverify');
    const prefix = pipeline.graph.tables.projects?.name.replace(/-projects$/, '') ?? '';
    const connection = connectTo(pipeline, prefix);
    const cli = (args: string[]) => lethe(['--connection', connection, ...args]);
    const dataset = await pipeline.seed({ ...SMALL_SIZE, projects: 1, artifactsPerProject: 3 });
    const { jobId } = await pipeline.engine.requestDeletion({ entity: 'organization', id: 'acme' });
    await pipeline.run(jobId);
    const artifactsTable = pipeline.graph.tables.artifacts?.name ?? '';
    const artifact = dataset.target.rows[artifactsTable]?.[0] as Item;
    const running = await pipeline
      .silentEngine()
      .requestDeletion({ entity: 'organization', id: 'globex-never-sent' });

    // Act
    const clean = await cli(['verify', jobId, '--json']);
    await pipeline.engine.context.docs.put(artifactsTable, artifact);
    const found = await cli(['verify', jobId, '--rate', '20']);
    const status = await cli(['status', jobId]);
    const receipt = await cli(['receipt', jobId]);
    const refused = await cli(['verify', running.jobId]);

    // Assess
    expect(clean.code).toBe(0);
    expect(JSON.parse(clean.stdout)).toMatchObject({
      version: 1,
      jobId,
      verification: { findings: 0, items: [], trigger: 'cli' },
    });
    expect(found.code).toBe(1);
    expect(found.stdout).toContain('1 FINDING');
    expect(found.stdout).toContain(
      `row  ${artifactsTable} ${JSON.stringify({ artifactId: artifact.artifactId })}`,
    );
    expect(status.stdout).toMatch(/verification \(cli, [^)]+\): 1 FINDING/);
    // The latest verification, signed onto the receipt: the receipt outlives the job item.
    expect(receipt.stdout).toMatch(/verification \(cli, [^)]+\): 1 FINDING.*; signed /);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim()).toBe(
      `lethe: job ${running.jobId} is running, not completed: verify runs only after a job completed`,
    );
  });
});
