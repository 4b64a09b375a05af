import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  DEAD_REASON,
  DELIVERY_METRICS,
  DIMENSION,
  type MetricDefinition,
  PUBLISH_METRICS,
  RETRY_REASON,
} from '../../functions/handlers/metric-names.ts';

const all: MetricDefinition[] = [...Object.values(PUBLISH_METRICS), ...Object.values(DELIVERY_METRICS)];

describe('metric names', () => {
  it('name every metric once, in a form CloudWatch accepts', () => {
    const names = all.map((metric) => metric.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^[A-Z][A-Za-z0-9]{1,254}$/);
  });

  it("put Powertools' service dimension first on every metric, and reasons only where a reason is defined", () => {
    for (const metric of all) {
      expect(metric.dimensions[0], metric.name).toBe(DIMENSION.service);
      expect(new Set(metric.dimensions).size).toBe(metric.dimensions.length);
    }
    const withReason = all.filter((metric) => metric.dimensions.includes(DIMENSION.reason)).map((m) => m.name);
    expect(withReason.sort()).toEqual([DELIVERY_METRICS.deliveriesDead.name, DELIVERY_METRICS.deliveriesRetried.name]);
  });

  it('give retry and dead reasons distinct values', () => {
    const reasons = [...Object.values(RETRY_REASON), ...Object.values(DEAD_REASON)];
    expect(new Set(reasons).size).toBe(reasons.length);
    for (const reason of reasons) expect(reason).toMatch(/^[a-z][a-z-]*$/);
  });

  it('import nothing, so infra can read them without loading the pipeline', () => {
    const source = readFileSync(new URL('../../functions/handlers/metric-names.ts', import.meta.url), 'utf8');
    expect(source).not.toMatch(/^\s*import\s/m);
    expect(source).not.toMatch(/\bimport\(/);
  });
});
