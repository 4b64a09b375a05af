import { type App, AspectPriority, Aspects, CfnResource, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, NagMessageLevel, NagPack, type NagRuleResult, rules } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/**
 * Public entry points, which AwsSolutions does not look for: a Lambda function URL that takes unauthenticated calls,
 * and a Lambda permission open to every principal. Each one in the stack must be acknowledged where it is made,
 * saying why it is public and what bounds it.
 */
export class PublicEndpointChecks extends NagPack {
  override readonly name = 'Wirefeed';
  constructor(scope?: IConstruct) {
    super(scope);
    this.packName = 'Wirefeed';
  }

  protected override checkResource(node: CfnResource): void {
    this.applyRule({
      ruleSuffixOverride: 'PublicFunctionUrl',
      info: 'The Lambda function URL takes unauthenticated requests (AuthType NONE).',
      explanation: 'Anyone on the internet can invoke the function: its code must bound what it accepts.',
      level: NagMessageLevel.ERROR,
      rule: rules.lambda.LambdaFunctionUrlAuth,
      node,
    });
    this.applyRule({
      ruleSuffixOverride: 'PublicInvokePermission',
      info: 'A Lambda permission lets any principal invoke the function.',
      explanation: 'A public invoke permission belongs only with a deliberately public endpoint.',
      level: NagMessageLevel.ERROR,
      rule: rules.lambda.LambdaFunctionPublicAccessProhibited,
      node,
    });
  }
}

/**
 * Runs cdk-nag's AwsSolutions pack, and the public-endpoint checks above, when `app` synthesizes; an unacknowledged
 * finding fails the synth. Findings are acknowledged next to the resource they concern, each with its reason, which
 * is also written into the template metadata for auditors.
 */
export function addSecurityChecks(app: App): void {
  Validations.of(app).addPlugins(
    new AwsSolutionsChecks(app, { writeSuppressionsToCloudFormation: true }),
    new PublicEndpointChecks(app),
  );
}

/** One cdk-nag rule as its pack applies it (e.g. `rules.iam.IAMNoWildcardPermissions`): a pure function of a resource. */
export type NagRule = (node: CfnResource) => NagRuleResult;

export interface FindingAcknowledgement {
  /** The id cdk-nag reports the rule under, e.g. `AwsSolutions-IAM5`. */
  readonly ruleId: string;
  /** The rule itself, run on each resource to learn the findings it will report there. */
  readonly rule: NagRule;
  /** The findings (`Resource::…`, `Action::…`) this reason covers, by shape. */
  readonly findings: RegExp;
  readonly reason: string;
}

/**
 * Acknowledges, on every resource under `scope`, the findings of one granular rule whose text matches a pattern.
 *
 * cdk-nag matches an acknowledgement by the exact text of a finding, and that text depends on the environment:
 * the same policy statement reads `cdk-<qualifier>-assets-<AWS::AccountId>-<AWS::Region>/*` in an
 * environment-agnostic synth and `cdk-<qualifier>-assets-123456789012-us-east-1/*` in one bound to the CLI's
 * credentials. Acknowledging a pattern instead of one rendering keeps every environment covered, and running the
 * rule itself means only findings it really reports are acknowledged — a finding of another shape still fails.
 *
 * Runs as a mutating aspect, so the acknowledgements exist before cdk-nag writes them into the template metadata.
 */
export function acknowledgeFindings(scope: IConstruct, acknowledgement: FindingAcknowledgement): void {
  Aspects.of(scope).add(
    {
      visit(node: IConstruct): void {
        if (!CfnResource.isCfnResource(node)) return;
        const result = acknowledgement.rule(node);
        if (!Array.isArray(result)) return;
        for (const finding of result) {
          if (!acknowledgement.findings.test(finding)) continue;
          Validations.of(node).acknowledge({
            id: `${acknowledgement.ruleId}[${finding}]`,
            reason: acknowledgement.reason,
          });
        }
      },
    },
    { priority: AspectPriority.MUTATING },
  );
}
