/**
 * Handler configuration, read once from the environment at cold start. A missing or malformed variable throws a
 * `ConfigError` naming it, so a misconfigured function fails before it touches any event.
 */
import { ConfigError } from '../core/errors.ts';
import { ENV, type EnvName } from './env-names.ts';

type Env = Readonly<Record<string, string | undefined>>;

export interface PublishConfig {
  readonly contentBucket: string;
  readonly siteBucket: string;
  readonly stateBucket: string;
  readonly siteUrl: string;
  readonly deliveryQueueUrl: string;
}

export interface DeliveryConfig {
  readonly stateBucket: string;
  readonly deliveryQueueUrl: string;
  readonly deliveryDeadLetterQueueUrl: string;
  readonly allowPrivateTargets: boolean;
}

/** Configuration of the publish function: where content is read from and where feeds, state and jobs go. */
export function loadPublishConfig(env: Env): PublishConfig {
  return Object.freeze({
    contentBucket: readRequired(env, ENV.contentBucket),
    siteBucket: readRequired(env, ENV.siteBucket),
    stateBucket: readRequired(env, ENV.stateBucket),
    siteUrl: readUrl(env, ENV.siteUrl),
    deliveryQueueUrl: readUrl(env, ENV.deliveryQueueUrl),
  });
}

/** Configuration of the delivery function: where subscribers live and which queues jobs move between. */
export function loadDeliveryConfig(env: Env): DeliveryConfig {
  return Object.freeze({
    stateBucket: readRequired(env, ENV.stateBucket),
    deliveryQueueUrl: readUrl(env, ENV.deliveryQueueUrl),
    deliveryDeadLetterQueueUrl: readUrl(env, ENV.deliveryDeadLetterQueueUrl),
    allowPrivateTargets: readFlag(env, ENV.allowPrivateTargets),
  });
}

function readRequired(env: Env, name: EnvName): string {
  const value = env[name]?.trim();
  if (value === undefined || value === '') {
    throw new ConfigError(`Environment variable ${name} is required`);
  }
  return value;
}

function readUrl(env: Env, name: EnvName): string {
  const value = readRequired(env, name);
  let url: URL;
  try {
    url = new URL(value);
  } catch (cause) {
    throw new ConfigError(`Environment variable ${name} must be an absolute URL, got "${value}"`, { cause });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(`Environment variable ${name} must be an http(s) URL, got "${value}"`);
  }
  return value;
}

/** Only the exact string `true` turns a flag on, so a typo can never weaken a guard. */
function readFlag(env: Env, name: EnvName): boolean {
  const value = env[name]?.trim();
  if (value === undefined || value === '' || value === 'false') return false;
  if (value === 'true') return true;
  throw new ConfigError(`Environment variable ${name} must be "true" or "false", got "${value}"`);
}
