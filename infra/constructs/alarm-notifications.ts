import { ArnFormat, AspectPriority, Aspects, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct, type IConstruct } from 'constructs';
import { ConfigError } from '../../functions/core/errors.ts';

/** Where alarms send their notifications; with none of these set, the alarms exist without an action. */
export interface AlarmNotificationOptions {
  /** Addresses subscribed to a topic the stack creates; each must confirm the e-mail AWS sends. */
  readonly alarmEmail?: readonly string[];
  /** An existing SNS topic in the stack's region (for a team's pager or chat integration) instead. */
  readonly alarmTopicArn?: string;
  /**
   * Encrypt the created topic with a customer-managed KMS key (about $1 a month). CloudWatch cannot publish to a
   * topic under the AWS-managed `alias/aws/sns` key, whose policy cannot grant it, so this needs a key of its own.
   */
  readonly encryptAlarmTopic?: boolean;
}

const EMAIL = /^[^\s@,;]+@[^\s@,;]+\.[^\s@,;]+$/;
const TOPIC_ARN = /^arn:aws(?:-[a-z]+)*:sns:([a-z0-9-]+):\d{12}:[A-Za-z0-9_-]{1,256}$/;

/** Throws a ConfigError naming the setting when the options cannot work together or a value is malformed. */
export function checkAlarmNotifications(options: AlarmNotificationOptions, stackRegion: string): void {
  const emails = options.alarmEmail ?? [];
  for (const email of emails) {
    if (!EMAIL.test(email)) throw new ConfigError(`alarmEmail: "${email}" is not an e-mail address`);
  }
  if (options.alarmTopicArn !== undefined) {
    if (emails.length > 0) {
      throw new ConfigError(
        'alarmEmail: give alarmEmail or alarmTopicArn, not both (subscribe the address to that topic instead)',
      );
    }
    if (options.encryptAlarmTopic) {
      throw new ConfigError(
        'encryptAlarmTopic: applies only to the topic the stack creates for alarmEmail; an existing topic keeps its own encryption',
      );
    }
    if (!Token.isUnresolved(options.alarmTopicArn)) {
      const region = TOPIC_ARN.exec(options.alarmTopicArn)?.[1];
      if (region === undefined) {
        throw new ConfigError(`alarmTopicArn: "${options.alarmTopicArn}" is not an SNS topic ARN`);
      }
      if (!Token.isUnresolved(stackRegion) && region !== stackRegion) {
        throw new ConfigError(
          `alarmTopicArn: the topic is in ${region}, and CloudWatch alarms in ${stackRegion} can only notify a topic in their own region`,
        );
      }
    }
  } else if (options.encryptAlarmTopic && emails.length === 0) {
    throw new ConfigError('encryptAlarmTopic: there is no topic to encrypt without alarmEmail');
  }
}

/**
 * The SNS topic every alarm of the stack notifies, created for `alarmEmail` or imported from `alarmTopicArn`.
 * The created topic refuses non-TLS publishing and lets only this account's CloudWatch alarms publish; with
 * `encryptAlarmTopic`, its key lets CloudWatch encrypt what it publishes and nothing else.
 */
export class AlarmNotifications extends Construct {
  /** Undefined when no notification target is configured. */
  readonly topic: sns.ITopic | undefined;
  readonly key: kms.IKey | undefined;

  constructor(scope: Construct, id: string, options: AlarmNotificationOptions) {
    super(scope, id);
    const stack = Stack.of(this);
    checkAlarmNotifications(options, stack.region);
    if (options.alarmTopicArn !== undefined) {
      this.topic = sns.Topic.fromTopicArn(this, 'Topic', options.alarmTopicArn);
      return;
    }
    const emails = options.alarmEmail ?? [];
    if (emails.length === 0) return;

    const fromThisAccountsAlarms = {
      StringEquals: { 'aws:SourceAccount': stack.account },
      // Alarm ARNs separate the name with a colon: arn:aws:cloudwatch:<region>:<account>:alarm:<name>.
      ArnLike: {
        'aws:SourceArn': stack.formatArn({
          service: 'cloudwatch',
          resource: 'alarm',
          resourceName: '*',
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      },
    };
    if (options.encryptAlarmTopic) {
      const key = new kms.Key(this, 'TopicKey', {
        description: 'wirefeed: encrypts alarm notifications at rest in the alarm topic',
        enableKeyRotation: true,
        // Nothing is kept under this key but notifications in flight, so it goes with the stack (after the
        // shortest waiting period KMS allows).
        removalPolicy: RemovalPolicy.DESTROY,
        pendingWindow: Duration.days(7),
      });
      key.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'CloudWatchAlarmsPublishEncrypted',
          principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: ['*'],
          conditions: fromThisAccountsAlarms,
        }),
      );
      this.key = key;
    }
    const topic = new sns.Topic(this, 'Topic', {
      displayName: 'wirefeed alarms',
      enforceSSL: true,
      ...(this.key === undefined ? {} : { masterKey: this.key }),
    });
    // The topic policy that enforceSSL adds replaces SNS's default one, so CloudWatch is allowed explicitly.
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: fromThisAccountsAlarms,
      }),
    );
    for (const email of emails) topic.addSubscription(new subscriptions.EmailSubscription(email));
    this.topic = topic;
  }

  /**
   * Makes every CloudWatch alarm under `scope` notify the topic when it goes into ALARM and when it is OK again,
   * including alarms added later by any construct: no list of alarms to keep in step.
   */
  notifyEveryAlarm(scope: IConstruct): void {
    const topic = this.topic;
    if (topic === undefined) return;
    const action = new cloudwatchActions.SnsAction(topic);
    // An aspect runs at synthesis, once every construct (and so every alarm) exists.
    Aspects.of(scope).add(
      {
        visit(node: IConstruct): void {
          if (!(node instanceof cloudwatch.AlarmBase)) return;
          node.addAlarmAction(action);
          node.addOkAction(action);
        },
      },
      { priority: AspectPriority.MUTATING },
    );
  }
}
