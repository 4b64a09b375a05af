/** The CDK app (`npx cdk synth|deploy`): one WirefeedStack, checked by cdk-nag on every synth. */
import { App } from 'aws-cdk-lib';
import { addSecurityChecks } from './constructs/security-checks.ts';
import { WirefeedStack } from './wirefeed-stack.ts';

const app = new App();
const account = process.env.CDK_DEFAULT_ACCOUNT;
const region = process.env.CDK_DEFAULT_REGION;
new WirefeedStack(app, 'Wirefeed', {
  description: 'wirefeed: articles to RSS, Atom, JSON Feed and signed webhooks',
  // Environment-agnostic when synthesized offline (no credentials); bound to the CLI's account when deploying.
  ...(account !== undefined && region !== undefined ? { env: { account, region } } : {}),
});
addSecurityChecks(app);
app.synth();
