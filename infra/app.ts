/** The CDK app (`npx cdk synth|deploy`): one WirefeedStack, checked by cdk-nag on every synth. */
import { App } from 'aws-cdk-lib';
import { ConfigError } from '../functions/core/errors.ts';
import { addSecurityChecks } from './constructs/security-checks.ts';
import { stackOptionsFromContext } from './context.ts';
import { WirefeedStack } from './wirefeed-stack.ts';

const app = new App();
const account = process.env.CDK_DEFAULT_ACCOUNT;
const region = process.env.CDK_DEFAULT_REGION;
try {
  new WirefeedStack(app, 'Wirefeed', {
    description: 'wirefeed: articles to RSS, Atom, JSON Feed and signed webhooks',
    // Environment-agnostic when synthesized offline (no credentials); bound to the CLI's account when deploying.
    ...(account !== undefined && region !== undefined ? { env: { account, region } } : {}),
    ...stackOptionsFromContext((key) => app.node.tryGetContext(key)),
  });
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  // One line naming the setting, not a stack trace: the operator's -c option or cdk.json entry is what is wrong.
  process.stderr.write(`wirefeed: ${error.message}\n`);
  process.exit(1);
}
addSecurityChecks(app);
app.synth();
