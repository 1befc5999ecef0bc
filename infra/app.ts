// The CDK app of `npx cdk synth`: the example stack, checked by cdk-nag's AwsSolutions pack.
// Synthesis fails on any finding that is not acknowledged with a reason.
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { LetheExampleStack } from './example-stack.js';

const app = new App();
new LetheExampleStack(app, 'LetheExampleStack', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
