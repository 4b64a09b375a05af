/** Synthesizes the real WirefeedStack in-process (bundling included) with the same checks as `infra/app.ts`. */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { addSecurityChecks } from '../../infra/constructs/security-checks.ts';
import { WirefeedStack } from '../../infra/wirefeed-stack.ts';

export interface Synthesized {
  readonly stack: WirefeedStack;
  readonly template: Template;
  readonly json: CloudFormationTemplate;
  readonly outdir: string;
  readonly assembly: CloudAssembly;
  /** Violations cdk-nag reported (empty when every finding is acknowledged). */
  readonly violations: { ruleName: string; severity: string }[];
}

export interface CloudFormationTemplate {
  Resources: Record<
    string,
    { Type: string; Properties?: Record<string, unknown>; DeletionPolicy?: string; Metadata?: Record<string, unknown> }
  >;
  Outputs?: Record<string, { Value: unknown }>;
}

export async function synthesizeWirefeed(): Promise<Synthesized> {
  const outdir = await mkdtemp(join(tmpdir(), 'wirefeed-synth-'));
  const app = new App({ outdir });
  const stack = new WirefeedStack(app, 'Wirefeed');
  addSecurityChecks(app);
  // Throws when a validation plugin reports an unacknowledged error.
  const assembly = app.synth();
  const artifact = assembly.getStackByName('Wirefeed');
  const json = artifact.template as CloudFormationTemplate;
  const reportPath = join(outdir, 'validation-report.json');
  const violations = existsSync(reportPath)
    ? (
        JSON.parse(readFileSync(reportPath, 'utf8')) as {
          pluginReports: { violations: { ruleName: string; severity: string }[] }[];
        }
      ).pluginReports.flatMap((report) => report.violations)
    : [];
  return { stack, template: Template.fromJSON(json), json, outdir, assembly, violations };
}

/** Resources of one type, by logical id. */
export function resourcesOfType(json: CloudFormationTemplate, type: string): [string, Record<string, unknown>][] {
  return Object.entries(json.Resources)
    .filter(([, resource]) => resource.Type === type)
    .map(([id, resource]) => [id, resource.Properties ?? {}]);
}
