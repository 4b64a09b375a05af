/**
 * Handoff: the run's events, after the files they describe are written, become delivery jobs for every subscriber
 * that wants them, and the feeds they name as changed become WebSub pings and distributions. A subscriber or hub
 * subscription record that cannot be read is reported and skipped; it never holds up the others.
 */
import type { Site } from '../../core/article.ts';
import type { DeliveryJob, DeliveryQueue, Subscriber, SubscriberStatus } from '../../core/delivery.ts';
import type { WebhookEvent } from '../../core/events.ts';
import { fanOut } from '../../core/fan-out.ts';
import type { ObjectStore } from '../../core/ports.ts';
import { webSubFanOut } from '../../core/websub/fan-out.ts';
import { isLive } from '../../core/websub/subscription.ts';
import { HubSubscriptions, type UnreadableRecord } from '../websub/subscriptions.ts';
import { PublishedTopics } from '../websub/topics.ts';
import { textOf } from './state.ts';

const SUBSCRIBER_PREFIX = 'subscribers/';
/** Every status a subscriber record can have: paused and disabled ones get their jobs too (delivery dead-letters them). */
const SUBSCRIBER_STATUSES: readonly string[] = ['active', 'paused', 'disabled'] satisfies SubscriberStatus[];

/** A state object that could not be used, and why; the run went on without it. */
export interface StateProblem {
  readonly key: string;
  readonly reason: string;
}

/** The subscribers that can be read, and the ones that cannot. */
export async function readSubscribers(
  state: ObjectStore,
): Promise<{ subscribers: Subscriber[]; problems: StateProblem[] }> {
  const subscribers: Subscriber[] = [];
  const problems: StateProblem[] = [];
  for await (const info of state.list(SUBSCRIBER_PREFIX)) {
    if (!info.key.endsWith('.json')) continue;
    const object = await state.get(info.key);
    if (object === null) continue;
    let value: Partial<Subscriber> | null;
    try {
      value = JSON.parse(textOf(object.body)) as Partial<Subscriber> | null;
    } catch {
      problems.push({ key: info.key, reason: 'subscriber record is not valid JSON (truncated or damaged); skipped' });
      continue;
    }
    const valid =
      typeof value?.id === 'string' &&
      typeof value.url === 'string' &&
      SUBSCRIBER_STATUSES.includes(String(value.status)) &&
      Array.isArray(value.events) &&
      Array.isArray(value.secrets) &&
      value.secrets.every((secret) => typeof secret?.secret === 'string');
    if (valid) subscribers.push(value as Subscriber);
    else problems.push({ key: info.key, reason: 'subscriber record is not what wirefeed writes; skipped' });
  }
  return { subscribers, problems };
}

/** Who the run's events go to: webhook subscribers, and through the site's WebSub hubs, feed subscribers. */
export interface HandoffTargets {
  readonly subscribers: readonly Subscriber[];
  /** The site the run publishes: its hubs to ping, its built-in hub, its feeds (the WebSub topics). */
  readonly site: Site;
  /** Where the built-in hub keeps its subscriptions. */
  readonly state: ObjectStore;
  /**
   * The run publishes a changed site (site.json, or everything re-rendered): subscriptions are read even with the hub
   * off, to deny them when site.json has just turned it off or their topic stopped being a feed. Otherwise they are
   * read only while the hub is on, so a site without one pays nothing for it.
   */
  readonly siteChanged: boolean;
}

/**
 * Hands events to the queue as delivery jobs: one per (event, subscriber that wants it), and for a `feed.updated` the
 * WebSub jobs of the feeds it names as changed — a ping to every hub in site.json, a distribution to every live
 * subscription of the built-in hub, a denial to subscriptions it no longer serves (core/websub/fan-out.ts). Job ids
 * follow what the jobs are for, so a batch handed out again after a crash gives the same jobs, which the queue keeps
 * once. Ended and denied subscriptions are removed only after their jobs are queued.
 * @returns hub subscription records that could not be read (they get nothing; the others are served).
 */
export async function handOff(
  queue: DeliveryQueue,
  events: readonly WebhookEvent[],
  targets: HandoffTargets,
  now: Date,
): Promise<StateProblem[]> {
  if (events.length === 0) return [];
  const { site } = targets;
  const jobs: DeliveryJob[] = targets.subscribers.length === 0 ? [] : fanOut(events, targets.subscribers, now);
  const problems: StateProblem[] = [];
  let settle = async () => {};
  if (events.some((event) => event.type === 'feed.updated')) {
    const hub = new HubSubscriptions(targets.state);
    const { subscriptions, unreadable } =
      site.hub != null || targets.siteChanged ? await hub.list() : { subscriptions: [], unreadable: [] };
    for (const record of unreadable) problems.push(stateProblem(targets.state, record));
    // A subscription to a topic that lost its last article is denied (its directory is gone with it).
    const live = subscriptions.filter((subscription) => isLive(subscription, now));
    const unpublished = await new PublishedTopics(targets.state, site).unpublished(live.map((s) => s.topic));
    const websub = webSubFanOut({
      events,
      site,
      unpublished,
      pingHubs: site.hubs.filter((url) => url !== site.hub?.url),
      hubUrl: site.hub?.url ?? null,
      subscriptions,
      now,
    });
    jobs.push(...websub.jobs);
    settle = async () => {
      for (const subscription of websub.expired) await hub.removeIfExpired(subscription.id, now);
      for (const subscription of websub.denied) await hub.removeIfUnchanged(subscription);
    };
  }
  if (jobs.length > 0) await queue.enqueue(jobs);
  await settle();
  return problems;
}

/** A hub record the listing could not read, as the run reports state problems: its key and why. */
function stateProblem(state: ObjectStore, record: UnreadableRecord): StateProblem {
  const prefix = `${state.location}/`;
  const key = record.location.startsWith(prefix) ? record.location.slice(prefix.length) : record.location;
  // The message names the record (`<location>: why`, or `get <location>: why`): the report names it once, by key.
  const named = record.reason.indexOf(`${record.location}: `);
  const reason = named === -1 ? record.reason : record.reason.slice(named + record.location.length + 2);
  return { key, reason: `${reason}; skipped` };
}
