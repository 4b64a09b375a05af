import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface WorkQueueProps {
  /** FIFO queues serialize work: one message group is processed by one invocation at a time. */
  readonly fifo?: boolean;
  /** At least 6x the consuming function's timeout, as Lambda recommends for SQS event sources. */
  readonly visibilityTimeout: Duration;
  /** Receives before a message is moved to the dead-letter queue. */
  readonly maxReceiveCount: number;
  /** What the dead-letter alarm tells an operator to do. */
  readonly deadLetterAlarmDescription: string;
  /** The age of the oldest waiting message at which work counts as stuck. */
  readonly maxMessageAge: Duration;
  /** What the oldest-message alarm tells an operator to do. */
  readonly oldestMessageAlarmDescription: string;
}

/**
 * A work queue, its dead-letter queue (14 days: the maximum, so an operator back from a weekend still finds the
 * message), an alarm that fires as soon as anything is dead-lettered and one that fires when the oldest waiting
 * message is older than `maxMessageAge`. Both queues use SQS-managed encryption and refuse non-TLS requests.
 */
export class WorkQueue extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly deadLetterAlarm: cloudwatch.Alarm;
  readonly oldestMessageAlarm: cloudwatch.Alarm;
  readonly maxMessageAge: Duration;

  constructor(scope: Construct, id: string, props: WorkQueueProps) {
    super(scope, id);
    const fifo = props.fifo ?? false;
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      ...(fifo ? { fifo: true } : {}),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      // Content-based deduplication: EventBridge events carry unique ids, so only true duplicates collapse.
      ...(fifo ? { fifo: true, contentBasedDeduplication: true } : {}),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: props.visibilityTimeout,
      retentionPeriod: Duration.days(14),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount },
    });
    this.maxMessageAge = props.maxMessageAge;
    const name = `${Stack.of(this).stackName}-${id}`;
    this.deadLetterAlarm = new cloudwatch.Alarm(this, 'DeadLetterAlarm', {
      alarmName: `${name}-dead-letters`,
      alarmDescription: props.deadLetterAlarmDescription,
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.oldestMessageAlarm = new cloudwatch.Alarm(this, 'OldestMessageAlarm', {
      alarmName: `${name}-oldest-message`,
      alarmDescription: props.oldestMessageAlarmDescription,
      metric: this.queue.metricApproximateAgeOfOldestMessage({
        period: Duration.minutes(5),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: props.maxMessageAge.toSeconds(),
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }
}
