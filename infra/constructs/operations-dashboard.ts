import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import {
  DELIVERY_METRICS,
  DIMENSION,
  METRIC_NAMESPACE,
  type MetricDefinition,
  PUBLISH_METRICS,
} from '../../functions/handlers/metric-names.ts';
import type { WorkQueue } from './work-queue.ts';

export interface OperationsDashboardProps {
  readonly publishQueue: WorkQueue;
  readonly deliveryQueue: WorkQueue;
  readonly publishFunction: lambda.Function;
  readonly deliveryFunction: lambda.Function;
  /** Shown in the alarm status widget. */
  readonly alarms: readonly cloudwatch.IAlarm[];
  /** The site's home page, linked from the header. */
  readonly siteUrl: string;
}

const PERIOD = Duration.minutes(5);
const WIDTH = 24;

/**
 * One CloudWatch dashboard with what an operator checks first: the alarms, the queues (depth, age of the oldest
 * message, dead letters), both functions (invocations, errors, throttles, duration) and the custom metrics the
 * handlers emit (articles, files, run time; deliveries by outcome and reason, latency, SSRF refusals), named in
 * `functions/handlers/metric-names.ts`.
 */
export class OperationsDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;
  /** The dashboard in the CloudWatch console. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: OperationsDashboardProps) {
    super(scope, id);
    // Dashboard names are unique per account across regions, and stack names only per region.
    const { stackName, region } = Stack.of(this);
    const dashboardName = `${stackName}-${region}`;
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName,
      defaultInterval: Duration.days(1),
      widgets: [
        this.overview(props),
        this.queues(props),
        this.functions(props),
        this.publishing(props.publishFunction),
        this.deliveries(props.deliveryFunction),
      ],
    });
    this.url = `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards/dashboard/${dashboardName}`;
  }

  private overview(props: OperationsDashboardProps): cloudwatch.IWidget[] {
    return [
      new cloudwatch.TextWidget({
        markdown: [
          '## wirefeed',
          `Site: [${props.siteUrl}](${props.siteUrl}). Dead letters keep their last error: read them with`,
          '`aws sqs receive-message`, redrive them from the SQS console once the cause is fixed.',
          'Custom metrics appear once the functions emit them.',
        ].join('\n'),
        width: 8,
        height: 4,
      }),
      new cloudwatch.AlarmStatusWidget({
        title: 'Alarms',
        alarms: [...props.alarms],
        sortBy: cloudwatch.AlarmStatusWidgetSortBy.STATE_UPDATED_TIMESTAMP,
        width: WIDTH - 8,
        height: 4,
      }),
    ];
  }

  private queues({ publishQueue, deliveryQueue }: OperationsDashboardProps): cloudwatch.IWidget[] {
    const stat = { period: PERIOD, statistic: cloudwatch.Stats.MAXIMUM };
    const ageLine = (queue: WorkQueue, label: string): cloudwatch.HorizontalAnnotation => ({
      value: queue.maxMessageAge.toSeconds(),
      label,
      color: cloudwatch.Color.RED,
    });
    return [
      graph('Queue depth (waiting, in flight or waiting to retry)', [
        publishQueue.queue.metricApproximateNumberOfMessagesVisible({ ...stat, label: 'publish: waiting' }),
        publishQueue.queue.metricApproximateNumberOfMessagesNotVisible({ ...stat, label: 'publish: in flight' }),
        deliveryQueue.queue.metricApproximateNumberOfMessagesVisible({ ...stat, label: 'delivery: waiting' }),
        deliveryQueue.queue.metricApproximateNumberOfMessagesNotVisible({
          ...stat,
          label: 'delivery: in flight or waiting to retry',
        }),
      ]),
      graph(
        'Age of the oldest message (seconds)',
        [
          publishQueue.queue.metricApproximateAgeOfOldestMessage({ ...stat, label: 'publish' }),
          deliveryQueue.queue.metricApproximateAgeOfOldestMessage({ ...stat, label: 'delivery' }),
        ],
        [ageLine(publishQueue, 'publish alarm'), ageLine(deliveryQueue, 'delivery alarm')],
      ),
      graph(
        'Dead letters',
        [
          publishQueue.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ ...stat, label: 'publish DLQ' }),
          deliveryQueue.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ ...stat, label: 'delivery DLQ' }),
        ],
        [{ value: 1, label: 'alarm', color: cloudwatch.Color.RED }],
      ),
    ];
  }

  private functions({ publishFunction, deliveryFunction }: OperationsDashboardProps): cloudwatch.IWidget[] {
    const both = (
      title: string,
      metric: (fn: lambda.Function, label: string) => cloudwatch.IMetric,
    ): cloudwatch.GraphWidget =>
      graph(title, [metric(publishFunction, 'publish'), metric(deliveryFunction, 'delivery')], [], 6);
    const sum = { period: PERIOD, statistic: cloudwatch.Stats.SUM };
    return [
      both('Invocations', (fn, label) => fn.metricInvocations({ ...sum, label })),
      both('Errors (crashes, timeouts)', (fn, label) => fn.metricErrors({ ...sum, label })),
      both('Throttles', (fn, label) => fn.metricThrottles({ ...sum, label })),
      graph(
        'Duration (ms)',
        [
          publishFunction.metricDuration({ period: PERIOD, statistic: cloudwatch.Stats.p(50), label: 'publish p50' }),
          publishFunction.metricDuration({ period: PERIOD, statistic: cloudwatch.Stats.MAXIMUM, label: 'publish max' }),
          deliveryFunction.metricDuration({ period: PERIOD, statistic: cloudwatch.Stats.p(50), label: 'delivery p50' }),
          deliveryFunction.metricDuration({
            period: PERIOD,
            statistic: cloudwatch.Stats.MAXIMUM,
            label: 'delivery max',
          }),
        ],
        [],
        6,
      ),
    ];
  }

  private publishing(fn: lambda.Function): cloudwatch.IWidget[] {
    const m = PUBLISH_METRICS;
    return [
      graph('Articles announced, rejected', [
        custom(fn, m.articlesPublished, 'published'),
        custom(fn, m.articlesUpdated, 'updated'),
        custom(fn, m.articlesDeleted, 'deleted'),
        custom(fn, m.articlesRejected, 'rejected'),
      ]),
      graph('Files written', [custom(fn, m.filesWritten, 'written or deleted')]),
      graph('Publish run duration (ms)', [custom(fn, m.runDuration, 'longest run')]),
    ];
  }

  private deliveries(fn: lambda.Function): cloudwatch.IWidget[] {
    const m = DELIVERY_METRICS;
    return [
      graph('Deliveries', [
        custom(fn, m.deliveriesSucceeded, 'succeeded'),
        byReason(fn, m.deliveriesRetried, 'retried'),
        byReason(fn, m.deliveriesDead, 'dead'),
      ]),
      graph('Delivery latency, event to 2xx (ms)', [
        custom(fn, m.deliveryLatency, 'p50', cloudwatch.Stats.p(50)),
        custom(fn, m.deliveryLatency, 'p95', cloudwatch.Stats.p(95)),
        custom(fn, m.deliveryLatency, 'max', cloudwatch.Stats.MAXIMUM),
      ]),
      graph('Webhook targets refused by the SSRF guard', [custom(fn, m.ssrfRefusals, 'refused')]),
    ];
  }
}

function graph(
  title: string,
  left: cloudwatch.IMetric[],
  leftAnnotations: cloudwatch.HorizontalAnnotation[] = [],
  width = 8,
): cloudwatch.GraphWidget {
  return new cloudwatch.GraphWidget({ title, left, leftAnnotations, width, height: 6, leftYAxis: { min: 0 } });
}

/** A custom metric of one function, with exactly the dimension set the handler emits it with. */
function custom(fn: lambda.Function, metric: MetricDefinition, label: string, statistic?: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRIC_NAMESPACE,
    metricName: metric.name,
    dimensionsMap: { [DIMENSION.service]: fn.functionName },
    statistic: statistic ?? metric.statistic,
    period: PERIOD,
    label,
  });
}

/** One line per value of the `reason` dimension that occurred, labelled with it. */
function byReason(fn: lambda.Function, metric: MetricDefinition, label: string): cloudwatch.SearchExpression {
  const schema = [METRIC_NAMESPACE, ...metric.dimensions].join(',');
  return new cloudwatch.SearchExpression({
    expression: `SEARCH('{${schema}} MetricName="${metric.name}" ${DIMENSION.service}="${fn.functionName}"', '${metric.statistic}', ${PERIOD.toSeconds()})`,
    // A dynamic label: one line per reason, named after it.
    label: `${label}: \${PROP('Dim.${DIMENSION.reason}')}`,
    period: PERIOD,
  });
}
