/**
 * The custom CloudWatch metrics the handlers emit (Embedded Metric Format, through Powertools Metrics) and the
 * stack's dashboard reads: namespace, metric names, units and dimensions, named once so that a rename cannot leave
 * the dashboard graphing a metric nobody emits. Imports nothing, so `infra/` can use it without the pipeline.
 *
 * Every metric carries the `service` dimension, whose value is the emitting function's name (Lambda sets it in
 * `AWS_LAMBDA_FUNCTION_NAME`; it is Powertools' `serviceName`). A function name is unique per account and
 * region, so two stacks deployed side by side (staging and production) never add up in one graph.
 */

/** The CloudWatch namespace of every wirefeed metric. */
export const METRIC_NAMESPACE = 'Wirefeed';

/** Dimension names. CloudWatch identifies a metric by its name and its full set of dimensions. */
export const DIMENSION = {
  /** The emitting function's name (`AWS_LAMBDA_FUNCTION_NAME`); on every metric. */
  service: 'service',
  /** Why a delivery attempt failed or a job stopped; one of {@link RETRY_REASON} or {@link DEAD_REASON}. */
  reason: 'reason',
} as const;

export type DimensionName = (typeof DIMENSION)[keyof typeof DIMENSION];

/** The units wirefeed metrics use, spelled as CloudWatch (and Powertools' `MetricUnit`) spell them. */
export type MetricUnitName = 'Count' | 'Milliseconds';

export interface MetricDefinition {
  readonly name: string;
  readonly unit: MetricUnitName;
  /** The complete dimension set each data point carries, in this order. */
  readonly dimensions: readonly DimensionName[];
  /** The statistic the dashboard graphs it with. */
  readonly statistic: 'Sum' | 'p50' | 'p95' | 'Maximum';
  readonly description: string;
}

const byService = [DIMENSION.service] as const;
const byReason = [DIMENSION.service, DIMENSION.reason] as const;

/** Emitted by the PublishFunction, once per run. */
export const PUBLISH_METRICS = {
  articlesPublished: {
    name: 'ArticlesPublished',
    unit: 'Count',
    dimensions: byService,
    statistic: 'Sum',
    description: 'Articles announced as article.published by a run',
  },
  articlesUpdated: {
    name: 'ArticlesUpdated',
    unit: 'Count',
    dimensions: byService,
    statistic: 'Sum',
    description: 'Articles announced as article.updated by a run',
  },
  articlesDeleted: {
    name: 'ArticlesDeleted',
    unit: 'Count',
    dimensions: byService,
    statistic: 'Sum',
    description: 'Articles announced as article.deleted by a run',
  },
  articlesRejected: {
    name: 'ArticlesRejected',
    unit: 'Count',
    dimensions: byService,
    statistic: 'Sum',
    description: 'Source files a run refused (each logged with the file and the reason)',
  },
  filesWritten: {
    name: 'FilesWritten',
    unit: 'Count',
    dimensions: byService,
    statistic: 'Sum',
    description: 'Feeds and pages a run wrote or deleted in the site bucket',
  },
  runDuration: {
    name: 'PublishRunDuration',
    unit: 'Milliseconds',
    dimensions: byService,
    statistic: 'Maximum',
    description: 'Wall time of one publish run, from the first read to the last delivery job queued',
  },
} as const satisfies Record<string, MetricDefinition>;

/** Emitted by the DeliveryFunction, once per delivery attempt. */
export const DELIVERY_METRICS = {
  deliveriesSucceeded: {
    name: 'DeliveriesSucceeded',
    unit: 'Count',
    dimensions: byService,
    statistic: 'Sum',
    description: 'Webhooks a subscriber accepted with a 2xx',
  },
  deliveriesRetried: {
    name: 'DeliveriesRetried',
    unit: 'Count',
    dimensions: byReason,
    statistic: 'Sum',
    description: 'Failed attempts scheduled for another try, by RETRY_REASON',
  },
  deliveriesDead: {
    name: 'DeliveriesDead',
    unit: 'Count',
    dimensions: byReason,
    statistic: 'Sum',
    description: 'Jobs that will not be tried again (dead letters and dropped jobs), by DEAD_REASON',
  },
  deliveryLatency: {
    name: 'DeliveryLatency',
    unit: 'Milliseconds',
    dimensions: byService,
    statistic: 'p95',
    description: "From the event's timestamp to the subscriber's 2xx, retries included",
  },
  ssrfRefusals: {
    name: 'SsrfRefusals',
    unit: 'Count',
    dimensions: byService,
    statistic: 'Sum',
    description: 'Webhook targets the SSRF guard refused (private, loopback or malformed addresses)',
  },
} as const satisfies Record<string, MetricDefinition>;

/** Values of the `reason` dimension on DeliveriesRetried: what went wrong with the attempt. */
export const RETRY_REASON = {
  /** The subscriber answered, with a status other than 2xx (and other than 410). */
  status: 'status',
  /** No answer within the request timeout. */
  timeout: 'timeout',
  /** DNS, connection refused or reset, TLS: no HTTP answer at all. */
  network: 'network',
} as const;

/** Values of the `reason` dimension on DeliveriesDead: why the job stopped. */
export const DEAD_REASON = {
  /** Every attempt of the retry schedule failed. */
  exhausted: 'exhausted',
  /** A failure that retrying cannot fix, such as a target the SSRF guard refuses. */
  permanent: 'permanent',
  /** The subscriber answered 410 Gone and was disabled. */
  gone: 'gone',
  /** The subscriber was disabled or removed before the attempt. */
  disabled: 'disabled',
} as const;
