/**
 * Handler configuration, read once from the environment at cold start. A missing or malformed variable throws a
 * `ConfigError` naming it, so a misconfigured function fails before it touches any event.
 */
import { type Env, readFlag, readPeriod, readRequired, readUrl } from '../core/env.ts';
import { DEFAULT_DISABLE_AFTER_MS } from '../core/subscriber-health.ts';
import { ENV } from './env-names.ts';

export interface PublishConfig {
  readonly contentBucket: string;
  readonly siteBucket: string;
  readonly stateBucket: string;
  readonly siteUrl: string;
  readonly deliveryQueueUrl: string;
  /** The PublishQueue itself, for the continuation of a run that does not fit in one invocation. */
  readonly publishQueueUrl: string;
}

export interface DeliveryConfig {
  readonly stateBucket: string;
  readonly deliveryQueueUrl: string;
  readonly deliveryDeadLetterQueueUrl: string;
  readonly allowPrivateTargets: boolean;
  /** Disable a subscriber failing continuously this long (null: never). */
  readonly disableAfterMs: number | null;
}

/** Configuration of the publish function: where content is read from and where feeds, state and jobs go. */
export function loadPublishConfig(env: Env): PublishConfig {
  return Object.freeze({
    contentBucket: readRequired(env, ENV.contentBucket),
    siteBucket: readRequired(env, ENV.siteBucket),
    stateBucket: readRequired(env, ENV.stateBucket),
    siteUrl: readUrl(env, ENV.siteUrl),
    deliveryQueueUrl: readUrl(env, ENV.deliveryQueueUrl),
    publishQueueUrl: readUrl(env, ENV.publishQueueUrl),
  });
}

/** Configuration of the delivery function: where subscribers live and which queues jobs move between. */
export function loadDeliveryConfig(env: Env): DeliveryConfig {
  return Object.freeze({
    stateBucket: readRequired(env, ENV.stateBucket),
    deliveryQueueUrl: readUrl(env, ENV.deliveryQueueUrl),
    deliveryDeadLetterQueueUrl: readUrl(env, ENV.deliveryDeadLetterQueueUrl),
    allowPrivateTargets: readFlag(env, ENV.allowPrivateTargets),
    disableAfterMs: readPeriod(env, ENV.disableFailingAfter, DEFAULT_DISABLE_AFTER_MS),
  });
}
