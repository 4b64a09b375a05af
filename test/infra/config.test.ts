import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../functions/core/errors.ts';
import { loadDeliveryConfig, loadPublishConfig } from '../../functions/handlers/config.ts';
import { ENV } from '../../functions/handlers/env-names.ts';

const PUBLISH_ENV = {
  [ENV.contentBucket]: 'content',
  [ENV.siteBucket]: 'site',
  [ENV.stateBucket]: 'state',
  [ENV.siteUrl]: 'https://d1.cloudfront.net',
  [ENV.deliveryQueueUrl]: 'https://sqs.eu-west-1.amazonaws.com/1/deliveries',
};
const DELIVERY_ENV = {
  [ENV.stateBucket]: 'state',
  [ENV.deliveryQueueUrl]: 'https://sqs.eu-west-1.amazonaws.com/1/deliveries',
  [ENV.deliveryDeadLetterQueueUrl]: 'https://sqs.eu-west-1.amazonaws.com/1/dead',
};

describe('handler configuration', () => {
  it('reads a frozen publish configuration', () => {
    const config = loadPublishConfig(PUBLISH_ENV);
    expect(config).toEqual({
      contentBucket: 'content',
      siteBucket: 'site',
      stateBucket: 'state',
      siteUrl: 'https://d1.cloudfront.net',
      deliveryQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/1/deliveries',
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it.each(Object.keys(PUBLISH_ENV))('names the missing variable %s', (name) => {
    const env = { ...PUBLISH_ENV, [name]: ' ' };
    expect(() => loadPublishConfig(env)).toThrow(new ConfigError(`Environment variable ${name} is required`));
  });

  it('refuses a site URL that is not absolute http(s)', () => {
    expect(() => loadPublishConfig({ ...PUBLISH_ENV, [ENV.siteUrl]: 'd1.cloudfront.net' })).toThrow(ENV.siteUrl);
    expect(() => loadPublishConfig({ ...PUBLISH_ENV, [ENV.siteUrl]: 'ftp://d1' })).toThrow(ENV.siteUrl);
  });

  it('keeps the SSRF guard on unless the private-targets flag is exactly "true"', () => {
    expect(loadDeliveryConfig(DELIVERY_ENV).allowPrivateTargets).toBe(false);
    expect(loadDeliveryConfig({ ...DELIVERY_ENV, [ENV.allowPrivateTargets]: 'false' }).allowPrivateTargets).toBe(false);
    expect(loadDeliveryConfig({ ...DELIVERY_ENV, [ENV.allowPrivateTargets]: 'true' }).allowPrivateTargets).toBe(true);
    expect(() => loadDeliveryConfig({ ...DELIVERY_ENV, [ENV.allowPrivateTargets]: 'yes' })).toThrow(
      ENV.allowPrivateTargets,
    );
  });

  it('names the missing dead-letter queue of the delivery function', () => {
    const { [ENV.deliveryDeadLetterQueueUrl]: _, ...env } = DELIVERY_ENV;
    expect(() => loadDeliveryConfig(env)).toThrow(`Environment variable ${ENV.deliveryDeadLetterQueueUrl} is required`);
  });
});
