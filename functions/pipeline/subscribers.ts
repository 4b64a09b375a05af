/** Webhook subscribers, one object per subscriber under `subscribers/<id>.json` in the state store. */
import { randomBytes } from 'node:crypto';
import type { Subscriber, SubscriberSecret } from '../core/delivery.ts';
import { UsageError, WirefeedError } from '../core/errors.ts';
import { type EventType, isEventType } from '../core/events.ts';
import { parseStoredJson } from '../core/json.ts';
import type { ObjectStore } from '../core/ports.ts';
import { formatSecret } from '../core/sign.ts';
import { checkTargetUrl, type ResolveHost, refusedResolution } from '../core/ssrf.ts';

const PREFIX = 'subscribers/';
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
   * @throws UnsafeTargetError for a refused target, UsageError for an unknown event type.
   */
  async add(
    url: string,
    options: { events?: EventType[]; allowPrivateTargets: boolean; now: Date },
  ): Promise<Subscriber> {
    const events = options.events ?? [];
    for (const type of events) {
      if (!isEventType(type)) throw new UsageError(`unknown event type: ${type}`);
    }
    const target = checkTargetUrl(url, { allowPrivateTargets: options.allowPrivateTargets });
    if (target.ipLiteral === null && this.#resolve !== undefined) {
      const addresses = await this.#resolve(target.host).catch(() => []);
      const refused = refusedResolution(url, target.host, addresses, options.allowPrivateTargets);
      if (refused) throw refused;
    }
    const subscriber: Subscriber = {
      id: `sub_${randomBytes(12).toString('base64url')}`,
      url,
      events: [...new Set(events)],
      secrets: [{ secret: newSecret() }],
      status: 'active',
      created: options.now.toISOString(),
    };
    await this.#write(subscriber);
    return subscriber;
  }

  async remove(id: string): Promise<boolean> {
    if (!(await this.get(id))) return false;
    await this.#state.delete(`${PREFIX}${id}.json`);
    return true;
  }

  /** A new current secret; the old one keeps signing for 24 hours. Expired secrets are dropped. */
  async rotate(id: string, now: Date): Promise<Subscriber> {
    const subscriber = await this.#require(id);
    const expires = new Date(now.getTime() + ROTATION_OVERLAP_MS).toISOString();
    const previous: SubscriberSecret[] = subscriber.secrets
      .filter((s) => s.expires === undefined || Date.parse(s.expires) > now.getTime())
      .map((s) => (s.expires === undefined ? { secret: s.secret, expires } : s));
    const rotated: Subscriber = { ...subscriber, secrets: [{ secret: newSecret() }, ...previous] };
    await this.#write(rotated);
    return rotated;
  }

  async disable(id: string, reason: string): Promise<void> {
    const subscriber = await this.#require(id);
    await this.#write({ ...subscriber, status: 'disabled', disabledReason: reason });
  }

  async #require(id: string): Promise<Subscriber> {
    const subscriber = await this.get(id);
    if (!subscriber) throw new SubscriberNotFoundError(id);
    return subscriber;
  }

  async #write(subscriber: Subscriber): Promise<void> {
    // Holds the signing secrets: owner-only on disk; in S3 the state bucket's policy is the boundary.
    await this.#state.put(`${PREFIX}${subscriber.id}.json`, `${JSON.stringify(subscriber, null, 2)}\n`, {
      contentType: 'application/json; charset=utf-8',
      confidential: true,
    });
  }
}
