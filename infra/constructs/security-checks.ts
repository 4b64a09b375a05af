import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';

/**
 * Runs cdk-nag's AwsSolutions pack when `app` synthesizes; an unacknowledged finding fails the synth. Findings are
 * acknowledged next to the resource they concern, each with its reason, which is also written into the template
 * metadata for auditors.
 */
export function addSecurityChecks(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { writeSuppressionsToCloudFormation: true }));
}
