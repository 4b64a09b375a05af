/**
 * The handlers' logs and metrics through Powertools for AWS Lambda: structured JSON logs (Logger) and CloudWatch
 * metrics in the Embedded Metric Format (Metrics), both on stdout, both named by the function (`service`). Metric
 * names, units and dimensions come only from metric-names.ts, which the stack's dashboard reads too. Shared by the
 * handlers; each creates its telemetry once, at module scope.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Env } from '../core/env.ts';
import { DIMENSION, METRIC_NAMESPACE, type MetricDefinition } from './metric-names.ts';

export interface Telemetry {
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/**
 * Logger and Metrics for one handler. The service name is the function's name (`AWS_LAMBDA_FUNCTION_NAME`, unique
 * per account and region), or `fallback` outside Lambda; log level and sampling follow Powertools' own variables
 * (`POWERTOOLS_LOG_LEVEL`, or the level Lambda's logging configuration sets).
 */
export function createTelemetry(env: Env, fallback: string): Telemetry {
  const serviceName = env.AWS_LAMBDA_FUNCTION_NAME?.trim() || fallback;
  return {
    logger: new Logger({ serviceName }),
    metrics: new Metrics({ namespace: METRIC_NAMESPACE, serviceName }),
  };
}

/** One data point of a metric-names definition, with the `reason` dimension when the definition has it. */
export interface DataPoint {
  readonly metric: MetricDefinition;
  readonly value: number;
  readonly reason?: string;
}

/**
 * Records data points. Those with only the `service` dimension are stored and go out with `publishStoredMetrics()`
 * (one EMF document per invocation); a point with a `reason` gets a document of its own, since every metric in an
 * EMF document shares the document's dimensions.
 */
export function recordMetrics(metrics: Metrics, points: readonly DataPoint[]): void {
  for (const point of points) {
    const { name, unit, dimensions } = point.metric;
    if (dimensions.includes(DIMENSION.reason)) {
      const single = metrics.singleMetric();
      single.addDimension(DIMENSION.reason, point.reason ?? 'unknown');
      single.addMetric(name, unit, point.value);
    } else {
      metrics.addMetric(name, unit, point.value);
    }
  }
}
