/**
 * Webhook subscribers, one object per subscriber under `subscribers/<id>.json` in the state store, and how their
 * deliveries have been going under `subscriber-health/<id>.json` (written by delivery, read by operators).
 */
import { randomBytes } from 'node:crypto';
import type { Subscriber, SubscriberHealth, SubscriberSecret } from '../core/delivery.ts';
import { maskCredentials } from '../core/display.ts';
import { UsageError, WirefeedError } from '../core/errors.ts';
import { type EventFilter, isEventFilter } from '../core/events.ts';
import { parseStoredJson } from '../core/json.ts';
import type { ObjectStore } from '../core/ports.ts';
import { formatSecret } from '../core/sign.ts';
import { checkTargetUrl, type ResolveHost, refusedResolution } from '../core/ssrf.ts';
import { forgiven, freshHealth } from '../core/subscriber-health.ts';

const PREFIX = 'subscribers/';
const HEALTH_PREFIX = 'subscriber-health/';
const JSON_TYPE = 'application/json; charset=utf-8';
/** How long the previous secret keeps signing after `rotate`. */
export const ROTATION_OVERLAP_MS = 24 * 60 * 60 * 1000;
const ID_PATTERN = /^sub_[A-Za-z0-9_-]{1,64}$/;

/** A subscriber's secrets that still sign at `now`: the current one and previous ones not yet expired. */
export function signingSecrets(subscriber: Subscriber, now: Date): string[] {
  return subscriber.secrets
    .filter((s) => s.expires === undefined || Date.parse(s.expires) > now.getTime())
    .map((s) => s.secret);
}

/** No subscriber has this id. */
export class SubscriberNotFoundError extends WirefeedError {
  readonly subscriberId: string;
  constructor(subscriberId: string) {
    super(`no subscriber ${subscriberId}`);
    this.subscriberId = subscriberId;
  }
}

/** Another subscriber already has this URL; `--force` subscribes it again. */
export class DuplicateSubscriberError extends WirefeedError {
  readonly existingId: string;
  constructor(url: string, existingId: string) {
    super(`${maskCredentials(url)} is already subscribed as ${existingId} (--force subscribes it again)`);
    this.existingId = existingId;
  }
}

/** The subscriber is not in the status the action needs (e.g. `resume` of one that is not paused). */
export class SubscriberStatusError extends WirefeedError {}

/** The same endpoint however it is spelled: scheme and host in lower case, default port dropped. */
function sameEndpoint(a: string, b: string): boolean {
  try {
    return new URL(a).href === new URL(b).href;
  } catch {
    return a === b;
  }
}

export function isSubscriberId(id: string): boolean {
  return ID_PATTERN.test(id);
}

function newSecret(): string {
  return formatSecret(randomBytes(32));
}

export interface SubscriberRepositoryOptions {
  /**
   * Resolves a new subscriber's host at `add` time for an early, clear refusal (the CLI passes the system resolver).
   * Without it `add` checks the URL only; delivery checks every resolved address at connect time either way.
   */
  resolve?: ResolveHost;
}

/**
 * Subscribers in the state store. Each lives in its own object, so adding one never rewrites (or races with)
 * another; `disable` and `rotate` rewrite only their own subscriber.
 */
export class SubscriberRepository {
  readonly #state: ObjectStore;
  readonly #resolve: ResolveHost | undefined;

  constructor(state: ObjectStore, options: SubscriberRepositoryOptions = {}) {
    this.#state = state;
    this.#resolve = options.resolve;
  }

  async list(): Promise<Subscriber[]> {
    const subscribers: Subscriber[] = [];
    for await (const info of this.#state.list(PREFIX)) {
      if (!info.key.endsWith('.json')) continue;
      const subscriber = await this.get(info.key.slice(PREFIX.length, -'.json'.length));
      if (subscriber) subscribers.push(subscriber);
    }
    return subscribers.sort((a, b) => a.created.localeCompare(b.created) || a.id.localeCompare(b.id));
  }

  async get(id: string): Promise<Subscriber | null> {
    if (!isSubscriberId(id)) return null;
    const key = `${PREFIX}${id}.json`;
    return parseStoredJson(
      await this.#state.get(key),
      `${this.#state.location}/${key}`,
      'subscriber record',
    ) as Subscriber | null;
  }

  /**
   * Registers an endpoint. The URL is checked by the SSRF guard and, for a host name, every address it resolves
   * to now (delivery checks again at connect time). A name that does not resolve yet is accepted.
   * @throws UnsafeTargetError for a refused target, UsageError for an unknown event type, DuplicateSubscriberError
   *   when another subscriber has the same URL and `force` is not set.
   */
  async add(
    url: string,
    options: {
      events?: EventFilter[];
      /** Topic filter terms, already validated (`parseTopicFilter`). */
      topics?: readonly string[];
      description?: string;
      allowPrivateTargets: boolean;
      now: Date;
      force?: boolean;
    },
  ): Promise<Subscriber> {
    const events = checkEvents(options.events ?? []);
    await this.#checkTarget(url, options.allowPrivateTargets);
    if (!options.force) await this.#refuseDuplicate(url, null);
    const subscriber: Subscriber = {
      id: `sub_${randomBytes(12).toString('base64url')}`,
      url,
      events,
      ...(options.topics === undefined || options.topics.length === 0 ? {} : { topics: [...options.topics] }),
      secrets: [{ secret: newSecret() }],
      status: 'active',
      ...(options.description ? { description: options.description } : {}),
      created: options.now.toISOString(),
    };
    await this.#write(subscriber);
    return subscriber;
  }

  /**
   * Changes a subscriber's URL, event filter or description; its id, secrets, status and health stay. A new URL is
   * checked as `add` checks one.
   */
  async update(
    id: string,
    changes: {
      url?: string;
      events?: EventFilter[];
      /** Topic filter terms (`tag:markets`); an empty list clears the filter (every topic). */
      topics?: readonly string[];
      description?: string;
      allowPrivateTargets: boolean;
      force?: boolean;
    },
  ): Promise<Subscriber> {
    const subscriber = await this.#require(id);
    if (changes.url !== undefined && !sameEndpoint(changes.url, subscriber.url)) {
      await this.#checkTarget(changes.url, changes.allowPrivateTargets);
      if (!changes.force) await this.#refuseDuplicate(changes.url, id);
    }
    const { description: _old, topics: oldTopics, ...rest } = subscriber;
    const description = changes.description ?? subscriber.description;
    const topics = changes.topics ?? oldTopics;
    const updated: Subscriber = {
      ...rest,
      ...(topics === undefined || topics.length === 0 ? {} : { topics: [...topics] }),
      ...(changes.url === undefined ? {} : { url: changes.url }),
      ...(changes.events === undefined ? {} : { events: checkEvents(changes.events) }),
      ...(description ? { description } : {}),
    };
    await this.#write(updated);
    return updated;
  }

  /** Removes the subscriber and its health record; its queued jobs are dropped when they come up. */
  async remove(id: string): Promise<boolean> {
    if (!(await this.get(id))) return false;
    await this.#state.delete(`${PREFIX}${id}.json`);
    await this.#state.delete(`${HEALTH_PREFIX}${id}.json`);
    return true;
  }

  /**
   * A new current secret; the old one keeps signing for 24 hours, or stops now with `expirePrevious` (a leaked
   * secret). Expired secrets are dropped.
   */
  async rotate(id: string, now: Date, options: { expirePrevious?: boolean } = {}): Promise<Subscriber> {
    const subscriber = await this.#require(id);
    const expires = new Date(now.getTime() + ROTATION_OVERLAP_MS).toISOString();
    const previous: SubscriberSecret[] = options.expirePrevious
      ? []
      : subscriber.secrets
          .filter((s) => s.expires === undefined || Date.parse(s.expires) > now.getTime())
          .map((s) => (s.expires === undefined ? { secret: s.secret, expires } : s));
    const rotated: Subscriber = { ...subscriber, secrets: [{ secret: newSecret() }, ...previous] };
    await this.#write(rotated);
    return rotated;
  }

  /**
   * Stops every previous secret signing now, after a rotation the receiver has caught up with; the current secret
   * stays. @returns the subscriber and how many secrets were expired.
   */
  async expirePrevious(id: string): Promise<{ subscriber: Subscriber; expired: number }> {
    const subscriber = await this.#require(id);
    const current = subscriber.secrets.filter((s) => s.expires === undefined);
    const expired = subscriber.secrets.length - current.length;
    const updated: Subscriber = { ...subscriber, secrets: current };
    if (expired > 0) await this.#write(updated);
    return { subscriber: updated, expired };
  }

  /** Marks the subscriber disabled, with why; its deliveries are dead-lettered until it is re-enabled. */
  async disable(id: string, reason: string, now = new Date()): Promise<Subscriber> {
    const subscriber = await this.#require(id);
    const { pausedAt: _paused, ...rest } = subscriber;
    const disabled: Subscriber = { ...rest, status: 'disabled', disabledReason: reason, disabledAt: now.toISOString() };
    await this.#write(disabled);
    return disabled;
  }

  /** Pauses an active subscriber: its deliveries are dead-lettered (reason `paused`) until it is resumed. */
  async pause(id: string, now: Date): Promise<Subscriber> {
    const subscriber = await this.#require(id);
    if (subscriber.status === 'disabled') {
      throw new SubscriberStatusError(`${id} is disabled, not active (wirefeed subscribers enable ${id})`);
    }
    if (subscriber.status === 'paused') return subscriber;
    const paused: Subscriber = { ...subscriber, status: 'paused', pausedAt: now.toISOString() };
    await this.#write(paused);
    return paused;
  }

  /**
   * Makes a paused or disabled subscriber active again and forgives its failure streak (so it is not disabled
   * again by the next failure). @returns the subscriber as it was, and as it is now.
   */
  async activate(id: string): Promise<{ before: Subscriber; after: Subscriber }> {
    const before = await this.#require(id);
    const { disabledReason: _reason, disabledAt: _disabled, pausedAt: _paused, ...rest } = before;
    const after: Subscriber = { ...rest, status: 'active' };
    if (before.status !== 'active') await this.#write(after);
    const health = await this.health(id);
    if (health.failingSince !== undefined || health.consecutiveFailures > 0) await this.writeHealth(forgiven(health));
    return { before, after };
  }

  /** How the subscriber's deliveries have been going (a fresh record when none was attempted yet). */
  async health(id: string): Promise<SubscriberHealth> {
    if (!isSubscriberId(id)) return freshHealth(id);
    const key = `${HEALTH_PREFIX}${id}.json`;
    const stored = parseStoredJson(await this.#state.get(key), `${this.#state.location}/${key}`, 'subscriber health');
    return (stored as SubscriberHealth | null) ?? freshHealth(id);
  }

  /** Writes a health record; delivery's bookkeeping (pipeline/subscriber-health.ts) is its one writer. */
  async writeHealth(health: SubscriberHealth): Promise<void> {
    await this.#state.put(`${HEALTH_PREFIX}${health.subscriberId}.json`, `${JSON.stringify(health)}\n`, {
      contentType: JSON_TYPE,
    });
  }

  async #checkTarget(url: string, allowPrivateTargets: boolean): Promise<void> {
    const target = checkTargetUrl(url, { allowPrivateTargets });
    if (target.ipLiteral === null && this.#resolve !== undefined) {
      const addresses = await this.#resolve(target.host).catch(() => []);
      const refused = refusedResolution(url, target.host, addresses, allowPrivateTargets);
      if (refused) throw refused;
    }
  }

  async #refuseDuplicate(url: string, exceptId: string | null): Promise<void> {
    const existing = (await this.list()).find((s) => s.id !== exceptId && sameEndpoint(s.url, url));
    if (existing) throw new DuplicateSubscriberError(url, existing.id);
  }

  async #require(id: string): Promise<Subscriber> {
    const subscriber = await this.get(id);
    if (!subscriber) throw new SubscriberNotFoundError(id);
    return subscriber;
  }

  async #write(subscriber: Subscriber): Promise<void> {
    // Holds the signing secrets: owner-only on disk; in S3 the state bucket's policy is the boundary.
    await this.#state.put(`${PREFIX}${subscriber.id}.json`, `${JSON.stringify(subscriber, null, 2)}\n`, {
      contentType: JSON_TYPE,
      confidential: true,
    });
  }
}

function checkEvents(events: readonly EventFilter[]): EventFilter[] {
  for (const type of events) {
    if (!isEventFilter(type)) throw new UsageError(`unknown event type: ${type}`);
  }
  return [...new Set(events)];
}
