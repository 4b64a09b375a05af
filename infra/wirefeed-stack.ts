import * as path from 'node:path';
import {
  CfnOutput,
  type CfnResource,
  DefaultStackSynthesizer,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
  Validations,
} from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { rules } from 'cdk-nag';
import type { Construct } from 'constructs';
import { ConfigError } from '../functions/core/errors.ts';
import { FEED_FORMATS, siteFeedUrls } from '../functions/core/feeds.ts';
import { PUBLISH_MESSAGE_GROUP, reconcileBody } from '../functions/core/publish-messages.ts';
import { DEFAULT_SCHEDULE_MS, maxAttempts } from '../functions/core/retry-schedule.ts';
import { SITE_KEY, SOURCE_PREFIX } from '../functions/core/state-keys.ts';
import { parsePeriod } from '../functions/core/subscriber-health.ts';
import { ENV } from '../functions/handlers/env-names.ts';
import { type AlarmNotificationOptions, AlarmNotifications } from './constructs/alarm-notifications.ts';
import { OperationsDashboard } from './constructs/operations-dashboard.ts';
import { createSecureBucket } from './constructs/secure-bucket.ts';
import { acknowledgeFindings } from './constructs/security-checks.ts';
import { SiteDistribution } from './constructs/site-distribution.ts';
import { type CustomDomain, SiteDomain } from './constructs/site-domain.ts';
import { HUB_RATE_LIMIT, WebSubHub } from './constructs/websub-hub.ts';
import { WirefeedFunction } from './constructs/wirefeed-function.ts';
import { WorkQueue } from './constructs/work-queue.ts';

const PROJECT_ROOT = path.resolve(import.meta.dirname, '..');

export const PUBLISH_TIMEOUT = Duration.minutes(5);
export const DELIVERY_TIMEOUT = Duration.minutes(1);
/** Lambda's guidance for SQS event sources: visibility timeout at least six times the function timeout. */
export const VISIBILITY_FACTOR = 6;
/** Deliveries in flight at once across all invocations, so a burst of events does not flood subscribers. */
export const DELIVERY_MAX_CONCURRENCY = 5;
/**
 * Receives a delivery message gets before SQS dead-letters it: every scheduled attempt plus one spare, so a
 * crashed invocation does not cost a job its last attempt. The handler itself moves a job whose schedule is
 * exhausted to the DLQ with its last error; the redrive is the backstop for jobs the handler never finished.
 */
export const DELIVERY_MAX_RECEIVE_COUNT = maxAttempts(DEFAULT_SCHEDULE_MS) + 1;
/** A publish run re-reads the whole content store, so a few tries cover transient errors; more only repeat a bug. */
export const PUBLISH_MAX_RECEIVE_COUNT = 3;
/**
 * A change still waiting after one failed run and its retry (the retry comes one visibility timeout later and may
 * take a full timeout) means publishing is stuck; anything shorter would page for a single transient failure.
 */
export const PUBLISH_MAX_MESSAGE_AGE = Duration.seconds(PUBLISH_TIMEOUT.toSeconds() * (VISIBILITY_FACTOR + 1));
/**
 * New delivery jobs are picked up within seconds and a first retry comes 5 s to 5 min later, so a job waiting an
 * hour means the DeliveryFunction is not draining the queue (failing, throttled, or outpaced by a burst larger than
 * its concurrency). Jobs far into their retry schedule do not keep this alarm up: SQS leaves a message received
 * three times or more out of the age metric.
 */
export const DELIVERY_MAX_MESSAGE_AGE = Duration.hours(1);
/**
 * How often the scheduled reconcile lists the content bucket by default. It only catches what an event missed (an
 * event dead-lettered after failed runs, an upload while the rule was being replaced), and a reconcile that finds
 * nothing writes nothing, so an hour bounds how long such a change waits at the cost of one listing an hour.
 */
export const DEFAULT_RECONCILE_EVERY = '1h';

export interface WirefeedStackProps extends StackProps, AlarmNotificationOptions {
  /** Directory uploaded to the content bucket on deploy (`site.json` and `articles/`). */
  readonly contentDir?: string;
  /**
   * Make the content bucket a mirror of `contentDir` on every deploy: objects that are not in it (an article
   * deleted locally, or one uploaded with `aws s3 cp`) are deleted, which unpublishes them. Off by default, so a
   * deploy only adds and replaces; deleted objects stay recoverable as old versions for 30 days either way.
   */
  readonly pruneContent?: boolean;
  /** Serve the site under the operator's own domain instead of only `*.cloudfront.net`; see {@link CustomDomain}. */
  readonly domain?: CustomDomain;
  /** The CloudWatch dashboard (on unless false; $3 a month beyond the account's three free dashboards). */
  readonly dashboard?: boolean;
  /**
   * What happens to buckets, logs and their data when the stack is deleted. RETAIN by default: articles,
   * subscribers and delivery state must not vanish with a `cdk destroy`.
   */
  readonly dataRemovalPolicy?: RemovalPolicy;
  /**
   * How long a subscriber may fail continuously before it is disabled: `5d` (the default), `36h`, `90m` or `off`.
   * Context key `subscriberDisableAfter` (`cdk deploy -c subscriberDisableAfter=7d`).
   */
  readonly subscriberDisableAfter?: string;
  /**
   * How often a reconcile lists the whole content bucket and publishes anything the S3 events missed: a period such
   * as `1h` (the default), `15m` or `1d`, or `off` for no schedule. Context key `reconcileEvery`.
   */
  readonly reconcileEvery?: string;
  /** Requests per second the WebSub hub endpoint accepts, all callers together (default HUB_RATE_LIMIT's, 10). */
  readonly hubRateLimit?: number;
  /** Requests the hub endpoint accepts at once above that rate (default HUB_RATE_LIMIT's, 20). */
  readonly hubBurstLimit?: number;
}

/** The AWS home of the wirefeed pipeline; see the AWS mode diagram in DESIGN.md. */
export class WirefeedStack extends Stack {
  readonly contentBucket: s3.IBucket;
  readonly siteBucket: s3.IBucket;
  readonly stateBucket: s3.IBucket;
  readonly publishQueue: WorkQueue;
  readonly deliveryQueue: WorkQueue;
  readonly publishFunction: WirefeedFunction;
  readonly deliveryFunction: WirefeedFunction;
  readonly site: SiteDistribution;
  /** The built-in WebSub hub: HubFunction behind its HTTP API. */
  readonly hub: WebSubHub;
  /** Uploads `content/` to the content bucket on every deploy. */
  readonly contentDeployment: s3deploy.BucketDeployment;
  /** The custom domain, when one is configured. */
  readonly domain: SiteDomain | undefined;
  /** The topic every alarm notifies, when one is configured. */
  readonly alarmNotifications: AlarmNotifications;
  readonly dashboard: OperationsDashboard | undefined;
  /** The scheduled reconcile, unless `reconcileEvery` is `off`. */
  readonly reconcileSchedule: events.Rule | undefined;

  constructor(scope: Construct, id: string, props: WirefeedStackProps = {}) {
    super(scope, id, props);
    const removalPolicy = props.dataRemovalPolicy ?? RemovalPolicy.RETAIN;
    const reconcileEvery = props.reconcileEvery ?? DEFAULT_RECONCILE_EVERY;
    // Checked before anything is built, so a bad setting stops the synth with its own message.
    const reconcileMs = parsePeriod(reconcileEvery);
    if (reconcileMs === undefined) {
      throw new ConfigError(`reconcileEvery: expected a period such as 1h, 15m or 1d, or off, got "${reconcileEvery}"`);
    }

    this.contentBucket = createSecureBucket(this, 'ContentBucket', {
      // Articles are the operator's source of truth: keep overwritten and deleted versions for a while.
      versioned: true,
      eventBridgeEnabled: true,
      removalPolicy,
    });
    // Everything here can be re-rendered from content and state, so no versions are kept.
    this.siteBucket = createSecureBucket(this, 'SiteBucket', { removalPolicy });
    this.stateBucket = createSecureBucket(this, 'StateBucket', { versioned: true, removalPolicy });

    // Checked before anything else is built, so a bad setting stops the synth with its own message.
    this.alarmNotifications = new AlarmNotifications(this, 'AlarmNotifications', props);
    this.domain = props.domain === undefined ? undefined : new SiteDomain(this, 'Domain', props.domain);
    this.site = new SiteDistribution(this, 'Site', {
      siteBucket: this.siteBucket,
      ...(this.domain === undefined ? {} : { domain: this.domain }),
    });

    // Without pruneContent a deploy only adds and replaces, so articles added with `aws s3 cp` survive it, and
    // one deleted from content/ stays published until it is deleted from the bucket (README, deploying).
    this.contentDeployment = new s3deploy.BucketDeployment(this, 'ContentDeployment', {
      sources: [s3deploy.Source.asset(props.contentDir ?? path.join(PROJECT_ROOT, 'content'))],
      destinationBucket: this.contentBucket,
      prune: props.pruneContent ?? false,
      retainOnDelete: true,
      memoryLimit: 256,
      // Its own log group, so the copy's logs expire and go with the stack instead of outliving it forever.
      logGroup: new logs.LogGroup(this, 'ContentDeploymentLogs', {
        retention: logs.RetentionDays.ONE_MONTH,
        removalPolicy: RemovalPolicy.DESTROY,
      }),
    });
    this.acknowledgeProvidedHandlers();
    Validations.of(this.contentBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'Writes come from the operator (cdk deploy, aws s3 cp) and are announced as EventBridge events; versioning keeps every overwritten or deleted article. CloudTrail data events can audit access if an account requires it.',
    });
    Validations.of(this.siteBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'Only PublishFunction writes and only CloudFront (OAC) reads this bucket; reader traffic is seen at CloudFront, so server access logs would only duplicate function logs at a storage cost.',
    });
    Validations.of(this.stateBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'Only the two functions and the operator CLI touch this bucket; the functions log every publish and delivery as JSON, and versioning keeps prior state. CloudTrail data events can audit access if required.',
    });

    this.publishQueue = new WorkQueue(this, 'PublishQueue', {
      fifo: true,
      visibilityTimeout: Duration.seconds(PUBLISH_TIMEOUT.toSeconds() * VISIBILITY_FACTOR),
      maxReceiveCount: PUBLISH_MAX_RECEIVE_COUNT,
      deadLetterAlarmDescription:
        'A publish run failed repeatedly: feeds are stale. Read the PublishFunction logs, fix the cause, then redrive the PublishQueue DLQ.',
      maxMessageAge: PUBLISH_MAX_MESSAGE_AGE,
      oldestMessageAlarmDescription: `A content change has waited over ${PUBLISH_MAX_MESSAGE_AGE.toHumanString()} to be published: a run failed and so did its retry, or runs are stuck. Read the PublishFunction logs ("publish failed").`,
    });
    this.deliveryQueue = new WorkQueue(this, 'DeliveryQueue', {
      visibilityTimeout: Duration.seconds(DELIVERY_TIMEOUT.toSeconds() * VISIBILITY_FACTOR),
      maxReceiveCount: DELIVERY_MAX_RECEIVE_COUNT,
      deadLetterAlarmDescription:
        'A webhook delivery exhausted its retries. Each dead letter carries its last status and error; redrive it once the subscriber is fixed.',
      maxMessageAge: DELIVERY_MAX_MESSAGE_AGE,
      oldestMessageAlarmDescription: `A webhook delivery job has waited over ${DELIVERY_MAX_MESSAGE_AGE.toHumanString()}: the DeliveryFunction is not keeping up (see its errors and throttles) or subscribers fail their first retries.`,
    });

    // Sources and site.json changes trigger a publish; one message group keeps publishing strictly serial.
    const contentChanged = new events.Rule(this, 'ContentChangedRule', {
      description: 'wirefeed: an article or site.json was created, replaced or deleted',
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created', 'Object Deleted'],
        detail: {
          bucket: { name: [this.contentBucket.bucketName] },
          object: { key: [{ prefix: SOURCE_PREFIX }, SITE_KEY] },
        },
      },
      targets: [new targets.SqsQueue(this.publishQueue.queue, { messageGroupId: PUBLISH_MESSAGE_GROUP })],
    });
    // The schedule sends its reconcile into the same queue and group, so it never runs beside another publish.
    this.reconcileSchedule = reconcileMs === null ? undefined : this.addReconcileSchedule(reconcileEvery, reconcileMs);
    // The deploy's own upload of content/ is what publishes the site the first time: its events must find the rule
    // and the queue (with the policy that lets EventBridge send) already in place, or they are dropped.
    this.contentDeployment.node.addDependency(contentChanged, this.publishQueue);

    this.publishFunction = new WirefeedFunction(this, 'PublishFunction', {
      handler: 'publish',
      description: 'wirefeed: publishes changed feeds and pages, then queues webhook deliveries',
      timeout: PUBLISH_TIMEOUT,
      memorySize: 1024,
      removalPolicy,
    });
    this.publishFunction.bindBucket(ENV.contentBucket, this.contentBucket, 'read');
    this.publishFunction.bindBucket(ENV.siteBucket, this.siteBucket, 'readWrite');
    this.publishFunction.bindBucket(ENV.stateBucket, this.stateBucket, 'readWrite');
    this.publishFunction.bindQueue(ENV.deliveryQueueUrl, this.deliveryQueue.queue, 'send');
    // A run too long for one invocation sends its continuation to its own queue, behind the changes already waiting.
    this.publishFunction.bindQueue(ENV.publishQueueUrl, this.publishQueue.queue, 'send');
    this.publishFunction.bindValue(ENV.siteUrl, this.site.url);
    this.publishFunction.addEventSource(
      new SqsEventSource(this.publishQueue.queue, { batchSize: 10, reportBatchItemFailures: true }),
    );

    this.deliveryFunction = new WirefeedFunction(this, 'DeliveryFunction', {
      handler: 'delivery',
      description: 'wirefeed: delivers one signed webhook per queued job, retrying on the schedule',
      timeout: DELIVERY_TIMEOUT,
      memorySize: 256,
      removalPolicy,
    });
    // Subscribers live in the state bucket; a 410 Gone disables one, hence write access.
    this.deliveryFunction.bindBucket(ENV.stateBucket, this.stateBucket, 'readWrite');
    this.deliveryFunction.bindQueue(ENV.deliveryQueueUrl, this.deliveryQueue.queue, 'consume');
    this.deliveryFunction.bindQueue(ENV.deliveryDeadLetterQueueUrl, this.deliveryQueue.deadLetterQueue, 'send');
    // Disabling a failing subscriber queues endpoint.disabled for the operator subscribers on the same queue.
    this.deliveryQueue.queue.grantSendMessages(this.deliveryFunction);
    if (props.subscriberDisableAfter !== undefined) {
      this.deliveryFunction.bindValue(ENV.disableFailingAfter, props.subscriberDisableAfter);
    }
    this.deliveryFunction.addEventSource(
      new SqsEventSource(this.deliveryQueue.queue, {
        batchSize: 10,
        maxBatchingWindow: Duration.seconds(1),
        maxConcurrency: DELIVERY_MAX_CONCURRENCY,
        reportBatchItemFailures: true,
      }),
    );

    this.hub = new WebSubHub(this, 'WebSubHub', {
      contentBucket: this.contentBucket,
      stateBucket: this.stateBucket,
      siteBucket: this.siteBucket,
      deliveryQueue: this.deliveryQueue,
      publishFunction: this.publishFunction,
      deliveryFunction: this.deliveryFunction,
      siteUrl: this.site.url,
      removalPolicy,
      rateLimit: {
        rateLimit: props.hubRateLimit ?? HUB_RATE_LIMIT.rateLimit,
        burstLimit: props.hubBurstLimit ?? HUB_RATE_LIMIT.burstLimit,
      },
    });

    const feeds = siteFeedUrls({ siteUrl: this.site.url });
    new CfnOutput(this, 'SiteUrl', { value: feeds.home, description: 'Home page of the published site' });
    for (const format of FEED_FORMATS) {
      new CfnOutput(this, format.output.name, { value: feeds[format.id], description: format.output.description });
    }
    new CfnOutput(this, 'ContentBucketName', {
      value: this.contentBucket.bucketName,
      description: 'Upload articles here under articles/ (aws s3 cp FILE s3://BUCKET/articles/)',
    });
    new CfnOutput(this, 'SiteBucketName', { value: this.siteBucket.bucketName, description: 'Published files' });
    new CfnOutput(this, 'StateBucketName', {
      value: this.stateBucket.bucketName,
      description: 'Pass as --state s3://BUCKET to `wirefeed subscribers ...`',
    });
    new CfnOutput(this, 'PublishQueueName', { value: this.publishQueue.queue.queueName });
    new CfnOutput(this, 'PublishDeadLetterQueueName', { value: this.publishQueue.deadLetterQueue.queueName });
    new CfnOutput(this, 'DeliveryQueueName', { value: this.deliveryQueue.queue.queueName });
    new CfnOutput(this, 'DeliveryDeadLetterQueueName', { value: this.deliveryQueue.deadLetterQueue.queueName });
    new CfnOutput(this, 'DistributionDomainName', {
      value: this.site.distribution.distributionDomainName,
      description: 'Where a CNAME for a custom domain points when its DNS is not in Route 53',
    });
    // Log groups and buckets outlive `cdk destroy`; these name what is left to delete (README, tearing down).
    new CfnOutput(this, 'PublishLogGroupName', { value: this.publishFunction.logGroup.logGroupName });
    new CfnOutput(this, 'DeliveryLogGroupName', { value: this.deliveryFunction.logGroup.logGroupName });
    new CfnOutput(this, 'DeliveryQueueUrl', {
      value: this.deliveryQueue.queue.queueUrl,
      description: 'Pass as --queue URL to `wirefeed deliveries pending|dead|replay` and `subscribers enable|resume`',
    });

    this.dashboard = props.dashboard === false ? undefined : this.addDashboard(feeds.home);
    const topic = this.alarmNotifications.topic;
    if (topic !== undefined) {
      new CfnOutput(this, 'AlarmTopicArn', { value: topic.topicArn, description: 'Every alarm notifies this topic' });
    }
    this.alarmNotifications.notifyEveryAlarm(this);
  }

  /**
   * An EventBridge schedule that sends a reconcile message (the scheduled event's time in its body, so content-based
   * deduplication keeps every one) into the PublishQueue's message group.
   */
  private addReconcileSchedule(every: string, ms: number): events.Rule {
    return new events.Rule(this, 'ReconcileSchedule', {
      description: `wirefeed: reconcile the content bucket every ${every.trim()}`,
      schedule: events.Schedule.rate(Duration.minutes(ms / 60_000)),
      targets: [
        new targets.SqsQueue(this.publishQueue.queue, {
          messageGroupId: PUBLISH_MESSAGE_GROUP,
          message: events.RuleTargetInput.fromObject(reconcileBody(events.EventField.time)),
        }),
      ],
    });
  }

  /** The dashboard of the queues, functions and custom metrics, listing every alarm defined so far. */
  private addDashboard(siteUrl: string): OperationsDashboard {
    const dashboard = new OperationsDashboard(this, 'Operations', {
      publishQueue: this.publishQueue,
      deliveryQueue: this.deliveryQueue,
      publishFunction: this.publishFunction,
      deliveryFunction: this.deliveryFunction,
      alarms: this.node.findAll().filter((node): node is cloudwatch.Alarm => node instanceof cloudwatch.Alarm),
      siteUrl,
    });
    new CfnOutput(this, 'DashboardUrl', { value: dashboard.url, description: 'The CloudWatch dashboard' });
    return dashboard;
  }

  /**
   * BucketDeployment and `eventBridgeEnabled` add Lambda handlers that CDK provides and owns (their runtime,
   * role and policy are not configurable), so their findings are acknowledged here, each with why it is acceptable.
   */
  private acknowledgeProvidedHandlers(): void {
    const contentBucketId = this.resolve((this.contentBucket.node.defaultChild as CfnResource).logicalId) as string;
    for (const child of this.node.children) {
      if (child.node.id.startsWith('Custom::CDKBucketDeployment')) {
        const copy = 'BucketDeployment copies content/ from the CDK assets bucket into the content bucket';
        Validations.of(child).acknowledge(
          {
            id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
            reason: 'CDK-provided BucketDeployment handler: its role and managed logging policy are not configurable.',
          },
          {
            id: 'AwsSolutions-L1',
            reason:
              'CDK-provided BucketDeployment handler (Python, runtime chosen by CDK and updated with aws-cdk-lib).',
          },
          ...['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*'].map((action) => ({
            id: `AwsSolutions-IAM5[Action::${action}]`,
            reason: `${copy}; CDK grants ${action} on those two buckets only.`,
          })),
          {
            id: `AwsSolutions-IAM5[Resource::<${contentBucketId}.Arn>/*]`,
            reason: `${copy}; it writes only to the content bucket.`,
          },
        );
        acknowledgeFindings(child, {
          ruleId: 'AwsSolutions-IAM5',
          rule: rules.iam.IAMNoWildcardPermissions,
          findings: this.assetsBucketObjectsFinding(),
          reason: `${copy}; it reads only from the bootstrap assets bucket of this stack's qualifier.`,
        });
      }
      if (child.node.id.startsWith('BucketNotificationsHandler')) {
        Validations.of(child).acknowledge({
          id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
          reason:
            'CDK-provided handler that turns on EventBridge notifications for the content bucket at deploy time; its role is not configurable.',
        });
      }
    }
  }

  /**
   * The IAM5 finding for objects of the bootstrap assets bucket, in every environment: its name is
   * `cdk-<qualifier>-assets-<account>-<region>`, where account and region are pseudo parameters when the stack is
   * environment-agnostic (offline synth) and literals when `infra/app.ts` binds it to the CLI's credentials. The
   * qualifier is this stack's own, so another bootstrap's bucket is never covered.
   */
  private assetsBucketObjectsFinding(): RegExp {
    const qualifier = this.synthesizer.bootstrapQualifier ?? DefaultStackSynthesizer.DEFAULT_QUALIFIER;
    const partition = '(<AWS::Partition>|aws(-[a-z]+)*)';
    const account = '(<AWS::AccountId>|\\d{12})';
    const region = '(<AWS::Region>|[a-z]{2}(-[a-z]+)+-\\d+)';
    return new RegExp(
      `^Resource::arn:${partition}:s3:::cdk-${escapeRegExp(qualifier)}-assets-${account}-${region}/\\*$`,
    );
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
