/** Synthesizes the real WirefeedStack in-process (bundling included) with the same checks as `infra/app.ts`. */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type Environment } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { addSecurityChecks } from '../../infra/constructs/security-checks.ts';
import { WirefeedStack, type WirefeedStackProps } from '../../infra/wirefeed-stack.ts';

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
    {
      Type: string;
      Properties?: Record<string, unknown>;
      DeletionPolicy?: string;
      DependsOn?: string[];
      Metadata?: Record<string, unknown>;
    }
  >;
  Outputs?: Record<string, { Value: unknown }>;
}

export interface SynthOptions {
  /** Account and region, as `infra/app.ts` binds them when the CLI has credentials; unset = environment-agnostic. */
  readonly env?: Environment;
  /**
   * A bootstrap qualifier other than the default, set the way an operator does after `cdk bootstrap --qualifier`:
   * the `@aws-cdk/core:bootstrapQualifier` context.
   */
  readonly qualifier?: string;
  /** Skip esbuild (for tests that only look at the template or the checks). */
  readonly skipBundling?: boolean;
  /** Stack options, as `infra/app.ts` passes them from `-c key=value`. */
  readonly props?: Omit<WirefeedStackProps, 'env'>;
}

export async function synthesizeWirefeed(options: SynthOptions = {}): Promise<Synthesized> {
  const outdir = await mkdtemp(join(tmpdir(), 'wirefeed-synth-'));
  const context = {
    ...(options.skipBundling ? { 'aws:cdk:bundling-stacks': [] } : {}),
    ...(options.qualifier ? { '@aws-cdk/core:bootstrapQualifier': options.qualifier } : {}),
  };
  const app = new App({ outdir, context });
  const stack = new WirefeedStack(app, 'Wirefeed', { ...options.props, ...(options.env ? { env: options.env } : {}) });
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
