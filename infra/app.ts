/**
 * The CDK app: one WirefeedStack, checked by cdk-nag's AwsSolutions pack on every synth. Any finding that is not
 * acknowledged (each acknowledgement sits next to the resource it concerns, with its reason) fails the synth.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { WirefeedStack } from './wirefeed-stack.ts';

const app = new App();
const account = process.env['CDK_DEFAULT_ACCOUNT'];
const region = process.env['CDK_DEFAULT_REGION'];
new WirefeedStack(app, 'Wirefeed', {
  description: 'wirefeed: articles to RSS, Atom, JSON Feed and signed webhooks',
  // Environment-agnostic when synthesized offline (no credentials); bound to the CLI's account when deploying.
  ...(account !== undefined && region !== undefined ? { env: { account, region } } : {}),
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { writeSuppressionsToCloudFormation: true }));
app.synth();
