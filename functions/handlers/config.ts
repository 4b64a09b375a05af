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
  /** The built-in hub's URL, when the stack has one. */
  readonly hubUrl?: string;
}

export interface DeliveryConfig {
  readonly stateBucket: string;
  readonly deliveryQueueUrl: string;
  readonly deliveryDeadLetterQueueUrl: string;
  readonly allowPrivateTargets: boolean;
  /** Disable a subscriber failing continuously this long (null: never). */
  readonly disableAfterMs: number | null;
  /** The published site, which WebSub distributions read their topics from (when the stack has a hub). */
  readonly siteBucket?: string;
}

export interface HubConfig {
  /** site.json: whether the hub is on, and its lease bounds. */
  readonly contentBucket: string;
  /** Subscriptions and requests waiting for verification. */
  readonly stateBucket: string;
  /** The site's public URL: its feeds are the topics. */
  readonly siteUrl: string;
  /** Where verifications are queued. */
  readonly deliveryQueueUrl: string;
  readonly allowPrivateTargets: boolean;
}

/** An optional URL: unset or blank is absent; anything else must be an absolute http(s) URL. */
function optionalUrl(env: Env, name: string): string | undefined {
  return env[name]?.trim() ? readUrl(env, name) : undefined;
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
    ...optional('hubUrl', optionalUrl(env, ENV.hubUrl)),
  });
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}

/** Configuration of the delivery function: where subscribers live and which queues jobs move between. */
export function loadDeliveryConfig(env: Env): DeliveryConfig {
  return Object.freeze({
    stateBucket: readRequired(env, ENV.stateBucket),
    deliveryQueueUrl: readUrl(env, ENV.deliveryQueueUrl),
    deliveryDeadLetterQueueUrl: readUrl(env, ENV.deliveryDeadLetterQueueUrl),
    allowPrivateTargets: readFlag(env, ENV.allowPrivateTargets),
    disableAfterMs: readPeriod(env, ENV.disableFailingAfter, DEFAULT_DISABLE_AFTER_MS),
    ...optional('siteBucket', env[ENV.siteBucket]?.trim() || undefined),
  });
}

/** Configuration of the hub function: where site.json and the hub's state are, and where verifications go. */
export function loadHubConfig(env: Env): HubConfig {
  return Object.freeze({
    contentBucket: readRequired(env, ENV.contentBucket),
    stateBucket: readRequired(env, ENV.stateBucket),
    siteUrl: readUrl(env, ENV.siteUrl),
    deliveryQueueUrl: readUrl(env, ENV.deliveryQueueUrl),
    allowPrivateTargets: readFlag(env, ENV.allowPrivateTargets),
  });
}
