/**
 * The WebSub trigger: from the feeds whose bytes changed (carried by `feed.updated`) to delivery jobs — one ping per
 * (changed feed, hub in site.json), one distribution per (changed feed, live subscription of it) — plus what the
 * subscriptions' state says must go: leases that ended, and subscriptions the hub no longer serves (denied). Pure:
 * the same events, hubs and subscriptions always give the same jobs with the same ids, so a re-handed event is
 * harmless.
 */
import { createHash } from 'node:crypto';
import type { Site } from '../article.ts';
import type { DeliveryJob, WebSubDenyJob, WebSubDistributeJob, WebSubPingJob } from '../delivery.ts';
import type { WebhookEvent } from '../events.ts';
import { type HubSubscription, isLive } from './subscription.ts';
import { feedOfUrl, type SiteFeed } from './topics.ts';

/** A stable job id from its parts, length-prefixed so no choice of characters inside a part makes two collide. */
export function webSubJobId(kind: string, ...parts: readonly string[]): string {
  const text = [kind, ...parts].map((part) => `${part.length}:${part}`).join('');
  return `job_${createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 32)}`;
}

export interface WebSubFanOutInput {
  readonly events: readonly WebhookEvent[];
  /** The site: its feeds (core/websub/topics.ts `feedOfUrl`) are the topics the hub serves. */
  readonly site: Pick<Site, 'siteUrl' | 'topics'>;
  /**
   * Topic URLs (as subscriptions name them) of the shape of a feed but no longer published: a topic collection
   * that lost its last article, or an archive page it no longer has. Their subscriptions are denied.
   */
  readonly unpublished: ReadonlySet<string>;
  /** Hubs to ping: site.json's `hubs` (the built-in hub is not among them: it distributes without a ping). */
  readonly pingHubs: readonly string[];
  /** The built-in hub's URL, or null when site.json does not turn it on. */
  readonly hubUrl: string | null;
  /** Every stored subscription (only needed when a feed changed). */
  readonly subscriptions: readonly HubSubscription[];
  readonly now: Date;
}

export interface WebSubFanOut {
  readonly jobs: DeliveryJob[];
  /** Subscriptions whose lease has ended: to be removed, nothing sent. */
  readonly expired: HubSubscription[];
  /** Subscriptions the hub no longer serves (it was turned off, or their topic is no longer a feed): denied, then removed. */
  readonly denied: HubSubscription[];
}

/** The URLs of feeds a feed.updated says changed; an event from before `changedFeeds` existed names all three. */
function changedFeeds(event: Extract<WebhookEvent, { type: 'feed.updated' }>): readonly string[] {
  const { data } = event;
  return data.changedFeeds ?? [data.feeds.rss, data.feeds.atom, data.feeds.json];
}

function denialReason(subscription: HubSubscription, input: WebSubFanOutInput): string | null {
  if (input.hubUrl === null) return 'this site no longer runs a WebSub hub';
  const feed = feedOfUrl(input.site, subscription.topic);
  if (feed === null) return 'the topic is no longer a feed of this site';
  if (input.unpublished.has(subscription.topic)) return 'the topic is no longer published: it has no article left';
  return null;
}

/**
 * Jobs for the feed.updated events among `events`: pings for each changed feed to each hub in site.json, and a
 * distribution of each changed feed to each of its live subscriptions. Subscriptions past their lease get nothing
 * and are listed to be removed; subscriptions the hub no longer serves get a denial and are listed to be removed.
 * Without a feed.updated, nothing is sent and nothing is removed.
 */
export function webSubFanOut(input: WebSubFanOutInput): WebSubFanOut {
  const notBefore = input.now.toISOString();
  const updates = input.events.filter((event) => event.type === 'feed.updated');
  const result: WebSubFanOut = { jobs: [], expired: [], denied: [] };
  if (updates.length === 0) return result;

  // Each changed feed once, with the last event that changed it: a run that re-hands an interrupted run's event
  // with its own still pings and distributes each feed once (the bytes are read when the job is attempted).
  const changed = new Map<string, { feed: SiteFeed; eventId: string }>();
  for (const event of updates) {
    for (const url of changedFeeds(event)) {
      const feed = feedOfUrl(input.site, url);
      if (feed !== null) changed.set(feed.url, { feed, eventId: event.id });
    }
  }

  for (const { feed, eventId } of changed.values()) {
    for (const hub of input.pingHubs) {
      const ping: WebSubPingJob = {
        kind: 'websub.ping',
        id: webSubJobId('websub.ping', eventId, hub, feed.url),
        hub,
        topic: feed.url,
        eventId,
        attempts: 0,
        notBefore,
      };
      result.jobs.push(ping);
    }
  }

  for (const subscription of input.subscriptions) {
    // A lease that ended needs no denial: the subscriber knows when it ends.
    if (!isLive(subscription, input.now)) {
      result.expired.push(subscription);
      continue;
    }
    const reason = denialReason(subscription, input);
    if (reason !== null) {
      result.denied.push(subscription);
      const denial: WebSubDenyJob = {
        kind: 'websub.deny',
        id: webSubJobId('websub.deny', subscription.id, subscription.verified),
        subscriptionId: subscription.id,
        topic: subscription.topic,
        callback: subscription.callback,
        reason,
        attempts: 0,
        notBefore,
      };
      result.jobs.push(denial);
      continue;
    }
    const update = changed.get((feedOfUrl(input.site, subscription.topic) as SiteFeed).url);
    if (update === undefined) continue;
    const distribution: WebSubDistributeJob = {
      kind: 'websub.distribute',
      id: webSubJobId('websub.distribute', update.eventId, subscription.id),
      subscriptionId: subscription.id,
      topic: update.feed.url,
      path: update.feed.path,
      hub: input.hubUrl as string,
      eventId: update.eventId,
      attempts: 0,
      notBefore,
    };
    result.jobs.push(distribution);
  }
  return result;
}
