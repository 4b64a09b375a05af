import { Duration } from 'aws-cdk-lib';
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
  /** What the alarm description says an operator should do. */
  readonly alarmDescription: string;
}

/**
 * A work queue, its dead-letter queue (14 days: the maximum, so an operator back from a weekend still finds the
 * message) and an alarm that fires as soon as anything is dead-lettered. Both queues use SQS-managed encryption
 * and refuse non-TLS requests.
 */
export class WorkQueue extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly deadLetterAlarm: cloudwatch.Alarm;

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
    this.deadLetterAlarm = new cloudwatch.Alarm(this, 'DeadLetterAlarm', {
      alarmDescription: props.alarmDescription,
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }
}
