import { describe, expect, it } from 'vitest';
import { readPort } from '../../functions/core/env.ts';
import { ConfigError } from '../../functions/core/errors.ts';
import { loadDeliveryConfig, loadPublishConfig } from '../../functions/handlers/config.ts';
import { ENV } from '../../functions/handlers/env-names.ts';

const PUBLISH_ENV = {
  [ENV.contentBucket]: 'content',
  [ENV.siteBucket]: 'site',
  [ENV.stateBucket]: 'state',
  [ENV.siteUrl]: 'https://d1.cloudfront.net',
  [ENV.deliveryQueueUrl]: 'https://sqs.eu-west-1.amazonaws.com/1/deliveries',
  [ENV.publishQueueUrl]: 'https://sqs.eu-west-1.amazonaws.com/1/publish.fifo',
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
      publishQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/1/publish.fifo',
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

  it('reads the private-targets flag with the one list of spellings the CLI uses too; anything else fails', () => {
    const flag = (value: string | undefined) =>
      loadDeliveryConfig({ ...DELIVERY_ENV, ...(value === undefined ? {} : { [ENV.allowPrivateTargets]: value }) })
        .allowPrivateTargets;
    expect(flag(undefined)).toBe(false);
    for (const off of ['', '0', 'false', 'no', 'off', 'FALSE', ' off ']) expect(flag(off), off).toBe(false);
    for (const on of ['1', 'true', 'yes', 'on', 'True', ' ON ']) expect(flag(on), on).toBe(true);
    for (const typo of ['ture', '2', 'enabled']) {
      expect(() => flag(typo), typo).toThrow(
        new ConfigError(
          `Environment variable ${ENV.allowPrivateTargets} must be one of 1, true, yes, on (on) or 0, false, no, off (off), got "${typo}"`,
        ),
      );
    }
  });

  it('reads the dev server port the same way: a port number, or the fallback when unset', () => {
    expect(readPort({}, ENV.port, 8787)).toBe(8787);
    expect(readPort({ [ENV.port]: '0' }, ENV.port, 8787)).toBe(0);
    expect(readPort({ [ENV.port]: ' 9000 ' }, ENV.port, 8787)).toBe(9000);
    for (const bad of ['-1', '65536', '80.5', 'http'])
      expect(() => readPort({ [ENV.port]: bad }, ENV.port, 1)).toThrow(ENV.port);
  });

  it('names the missing dead-letter queue of the delivery function', () => {
    const { [ENV.deliveryDeadLetterQueueUrl]: _, ...env } = DELIVERY_ENV;
    expect(() => loadDeliveryConfig(env)).toThrow(`Environment variable ${ENV.deliveryDeadLetterQueueUrl} is required`);
  });
});
