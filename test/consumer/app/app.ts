// The consumer's CDK app: its own stack with lethe's DeletionPipeline, checked by cdk-nag.
import { fileURLToPath } from 'node:url';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { DeletionPipeline } from 'lethe/cdk';
import { graph } from './graph.ts';

const app = new App();
const stack = new Stack(app, 'AcmeDeletions');
new DeletionPipeline(stack, 'Deletions', {
  graph,
  graphModule: fileURLToPath(new URL('./graph.ts', import.meta.url)),
  eventSources: ['com.acme.users'],
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
