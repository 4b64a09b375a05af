/**
 * The built-in hub's state, in the state store: one object per subscription (`websub/subscriptions/<id>.json`), one
 * per request waiting for its verification (`websub/requests/<id>.json`) — both may hold a `hub.secret`, so both are
 * written owner-only — and the last distribution attempt of each subscription (`websub/deliveries/<id>.json`, kept
 * apart so a distribution never rewrites, or races with, the subscription it reads).
 */
import { InvalidRecordError, StoreError } from '../../core/errors.ts';
import { parseStoredJson } from '../../core/json.ts';
import type { ObjectStore } from '../../core/ports.ts';
import {
  type DistributionStatus,
  type HubRequest,
  type HubSubscription,
  isLive,
  isRequestId,
  isSubscriptionId,
  parseHubRequest,
  parseSubscription,
} from '../../core/websub/subscription.ts';

export const SUBSCRIPTIONS_PREFIX = 'websub/subscriptions/';
export const REQUESTS_PREFIX = 'websub/requests/';
export const DISTRIBUTIONS_PREFIX = 'websub/deliveries/';
const JSON_TYPE = 'application/json; charset=utf-8';

/** A stored record that could not be read, with why, in one line: listed beside the readable ones, never blocking them. */
export interface UnreadableRecord {
  readonly location: string;
  readonly reason: string;
}

export interface SubscriptionListing {
  readonly subscriptions: HubSubscription[];
  readonly unreadable: UnreadableRecord[];
}

export class HubSubscriptions {
  readonly #state: ObjectStore;

  constructor(state: ObjectStore) {
    this.#state = state;
  }

  #location(key: string): string {
    return `${this.#state.location}/${key}`;
  }

  async #read<T>(key: string, what: string, parse: (value: unknown, location: string) => T): Promise<T | null> {
    const value = parseStoredJson(await this.#state.get(key), this.#location(key), what);
    return value === null ? null : parse(value, this.#location(key));
  }

  async #write(key: string, value: unknown, confidential: boolean): Promise<void> {
    await this.#state.put(key, `${JSON.stringify(value, null, 2)}\n`, { contentType: JSON_TYPE, confidential });
  }

  /** The subscription, or null. @throws InvalidRecordError or StoreError when its record is damaged. */
  async get(id: string): Promise<HubSubscription | null> {
    if (!isSubscriptionId(id)) return null;
    return this.#read(`${SUBSCRIPTIONS_PREFIX}${id}.json`, 'hub subscription', parseSubscription);
  }

  /**
   * Every subscription, oldest first; a damaged record is reported in `unreadable` (one line, naming it) and the
   * others are listed all the same.
   */
  async list(): Promise<SubscriptionListing> {
    const listing: SubscriptionListing = { subscriptions: [], unreadable: [] };
    for await (const info of this.#state.list(SUBSCRIPTIONS_PREFIX)) {
      if (!info.key.endsWith('.json')) continue;
      try {
        const value = parseStoredJson(await this.#state.get(info.key), this.#location(info.key), 'hub subscription');
        if (value !== null) listing.subscriptions.push(parseSubscription(value, this.#location(info.key)));
      } catch (error) {
        if (!(error instanceof InvalidRecordError || error instanceof StoreError)) throw error;
        if (error instanceof StoreError && error.retryable) throw error;
        listing.unreadable.push({ location: this.#location(info.key), reason: error.message });
      }
    }
    listing.subscriptions.sort((a, b) => a.created.localeCompare(b.created) || a.id.localeCompare(b.id));
    return listing;
  }

  /** Writes (creates or replaces) the subscription. */
  async put(subscription: HubSubscription): Promise<void> {
    await this.#write(`${SUBSCRIPTIONS_PREFIX}${subscription.id}.json`, subscription, true);
  }

  /** Removes the subscription and its distribution status; removing one that is gone is not an error. */
  async remove(id: string): Promise<void> {
    if (!isSubscriptionId(id)) return;
    await this.#state.delete(`${SUBSCRIPTIONS_PREFIX}${id}.json`);
    await this.#state.delete(`${DISTRIBUTIONS_PREFIX}${id}.json`);
  }

  /**
   * Removes the subscription if it is still the one that expired: read again first, so a re-subscription verified
   * since the listing keeps its fresh lease.
   */
  async removeIfExpired(id: string, now: Date): Promise<boolean> {
    const current = await this.get(id);
    if (current === null || isLive(current, now)) return false;
    await this.remove(id);
    return true;
  }

  /** Removes the subscription if it is still the one that was verified at `verified` (a denial's subscription). */
  async removeIfUnchanged(subscription: HubSubscription): Promise<void> {
    const current = await this.get(subscription.id);
    if (current !== null && current.verified === subscription.verified) await this.remove(subscription.id);
  }

  async getRequest(id: string): Promise<HubRequest | null> {
    if (!isRequestId(id)) return null;
    return this.#read(`${REQUESTS_PREFIX}${id}.json`, 'hub subscription request', parseHubRequest);
  }

  async putRequest(request: HubRequest): Promise<void> {
    await this.#write(`${REQUESTS_PREFIX}${request.id}.json`, request, true);
  }

  async removeRequest(id: string): Promise<void> {
    if (isRequestId(id)) await this.#state.delete(`${REQUESTS_PREFIX}${id}.json`);
  }

  /** Records how the latest distribution attempt to the subscription went. */
  async recordDistribution(id: string, status: DistributionStatus): Promise<void> {
    if (isSubscriptionId(id)) await this.#write(`${DISTRIBUTIONS_PREFIX}${id}.json`, status, false);
  }

  /** The latest distribution attempt to the subscription, or null (none yet, or a status that cannot be read). */
  async lastDistribution(id: string): Promise<DistributionStatus | null> {
    if (!isSubscriptionId(id)) return null;
    try {
      const key = `${DISTRIBUTIONS_PREFIX}${id}.json`;
      const value = parseStoredJson(await this.#state.get(key), this.#location(key), 'distribution status');
      const status = value as Partial<DistributionStatus> | null;
      return typeof status?.time === 'string' && typeof status.outcome === 'string'
        ? (status as DistributionStatus)
        : null;
    } catch (error) {
      // Only a note for the operator view: a damaged one reads as "none yet" and the next attempt rewrites it.
      if (error instanceof StoreError && !error.retryable) return null;
      throw error;
    }
  }
}
