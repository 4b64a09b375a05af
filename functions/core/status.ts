/**
 * What `wirefeed status` reports and when it asks for attention (docs/ARCHITECTURE.md, "Status"). Pure: the
 * pipeline gathers a StatusReport from the state store and the delivery queue, this module decides what needs a
 * person and which exit code says so.
 */

/** What the last publish run that changed something left in the state root (`state.json`, field `last`). */
export interface LastRun {
  readonly run: string;
  /** When the run (or the first call of a run continued over several) started, ISO 8601. */
  readonly started: string;
  /** When it finished, ISO 8601. */
  readonly finished: string;
  /** Live articles after it. */
  readonly articles: number;
  /** Events it handed out, by kind. */
  readonly published: number;
  readonly updated: number;
  readonly deleted: number;
  readonly feedUpdated: number;
  /** Output files written and deleted by the call that finished the run. */
  readonly filesWritten: number;
  readonly filesDeleted: number;
  /** Sources the run examined and rejected (every rejected source is in the report's `rejected`). */
  readonly rejected: number;
  /** State objects the run could not use (an unreadable subscriber record), with why. */
  readonly problems: readonly { readonly key: string; readonly reason: string }[];
}

/** A publish that threw (anything but "another run holds the state"), kept in `last-failure.json`. */
export interface PublishFailure {
  readonly at: string;
  readonly errorName: string;
  readonly error: string;
}

/** A publish in progress or interrupted: the journal's run, and whether a writer holds the lease right now. */
export interface RunInProgress {
  readonly run: string;
  readonly started: string;
  readonly phase: string;
  /** The writer lease is held and not expired: a run is working now. */
  readonly leaseHeld: boolean;
}

export interface SubscriberView {
  readonly id: string;
  /** With any credentials masked. */
  readonly url: string;
  readonly status: 'active' | 'paused' | 'disabled';
  readonly disabledReason?: string;
  readonly consecutiveFailures: number;
  readonly failingSince?: string;
  readonly lastSuccess?: string;
  readonly lastError?: string;
}

/** Deliveries waiting and given up, per subscriber when the source can tell (the local outbox can; SQS cannot). */
export interface DeliveriesView {
  /** `outbox`: the state's outbox, read job by job; `queue`: SQS's approximate counts. */
  readonly source: 'outbox' | 'queue';
  readonly pending: number;
  /** Pending deliveries whose time has come. */
  readonly due: number;
  /** Pending deliveries due for longer than OVERDUE_MS: nothing is delivering them. */
  readonly overdue: number;
  readonly dead: number;
  readonly bySubscriber: Readonly<
    Record<string, { readonly pending: number; readonly dead: number; readonly deadReasons: Record<string, number> }>
  >;
}

/** The built-in hub's subscriptions: live ones per topic, and leases about to end. */
export interface HubView {
  /** Subscriptions whose lease runs. */
  readonly live: number;
  /** Subscriptions whose lease has ended, not yet removed (the next feed change removes them). */
  readonly expired: number;
  /** Live subscriptions per topic URL, most subscribed first (then by URL). */
  readonly byTopic: readonly { readonly topic: string; readonly subscriptions: number }[];
  /** Live subscriptions whose lease ends within NEAR_EXPIRY_MS, soonest first (a subscriber that does not renew stops hearing). */
  readonly expiringSoon: readonly {
    readonly id: string;
    readonly topic: string;
    /** The callback's host only: the full URL is the subscriber's capability. */
    readonly callbackHost: string;
    readonly expires: string;
  }[];
}

/** A lease ending within this is listed as near expiry by `wirefeed status`. */
export const NEAR_EXPIRY_MS = 24 * 60 * 60 * 1000;

/** The host of a callback URL, or `?` when it does not parse. */
export function callbackHostOf(callback: string): string {
  try {
    return new URL(callback).host;
  } catch {
    return '?';
  }
}

/** What `wirefeed status` shows of the hub's subscriptions at `now`. */
export function hubViewOf(
  subscriptions: readonly { id: string; topic: string; callback: string; expires: string }[],
  now: Date,
): HubView {
  const live = subscriptions.filter((s) => Date.parse(s.expires) > now.getTime());
  const counts = new Map<string, number>();
  for (const s of live) counts.set(s.topic, (counts.get(s.topic) ?? 0) + 1);
  const byTopic = [...counts]
    .map(([topic, n]) => ({ topic, subscriptions: n }))
    .sort((a, b) => b.subscriptions - a.subscriptions || (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0));
  const expiringSoon = live
    .filter((s) => Date.parse(s.expires) - now.getTime() <= NEAR_EXPIRY_MS)
    .sort((a, b) => Date.parse(a.expires) - Date.parse(b.expires) || (a.id < b.id ? -1 : 1))
    .map((s) => ({ id: s.id, topic: s.topic, callbackHost: callbackHostOf(s.callback), expires: s.expires }));
  return { live: live.length, expired: subscriptions.length - live.length, byTopic, expiringSoon };
}

export interface StatusReport {
  /** The state store's location. */
  readonly state: string;
  readonly last: LastRun | null;
  /** The latest failure, when it is newer than `last` (an older one was followed by a good run). */
  readonly failure: PublishFailure | null;
  readonly running: RunInProgress | null;
  readonly rejected: readonly { readonly file: string; readonly reason: string }[];
  readonly deliveries: DeliveriesView;
  readonly subscribers: readonly SubscriberView[];
  /** The built-in hub's subscriptions (all zero when it has none). */
  readonly hub: HubView;
  /** State objects status itself could not read, with why. */
  readonly problems: readonly { readonly key: string; readonly reason: string }[];
}

export type AttentionKind =
  | 'publish-failed'
  | 'run-stuck'
  | 'rejected'
  | 'state-problem'
  | 'dead-letters'
  | 'overdue-deliveries'
  | 'subscriber-disabled'
  | 'subscriber-failing';

export interface Attention {
  readonly kind: AttentionKind;
  readonly message: string;
}

/** A run unfinished for longer than this, with no writer working on it, is stuck (the publish queue alarms at 35 min). */
export const STUCK_RUN_MS = 30 * 60 * 1000;
/** A delivery due for longer than this is overdue: no `wirefeed deliver`, dev server or DeliveryFunction is sending. */
export const OVERDUE_MS = 60 * 60 * 1000;

/**
 * `wirefeed status` exit codes: 0 nothing needs attention; 1 something does (each item listed), or the state could
 * not be read; 2 usage error; 3 the state holds no publish at all (never built, or the wrong `--state`).
 */
export const STATUS_EXIT = { ok: 0, attention: 1, usage: 2, empty: 3 } as const;

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** Everything in the report that needs a person, in order of urgency. */
export function attentionOf(report: StatusReport, now: Date): Attention[] {
  const items: Attention[] = [];
  if (report.failure !== null) {
    items.push({
      kind: 'publish-failed',
      message: `the last publish failed at ${report.failure.at}: ${report.failure.error}`,
    });
  }
  const running = report.running;
  if (running !== null && !running.leaseHeld && now.getTime() - Date.parse(running.started) > STUCK_RUN_MS) {
    items.push({
      kind: 'run-stuck',
      message: `run ${running.run} has been unfinished since ${running.started} (phase ${running.phase}) and nothing is working on it: publish again to continue it`,
    });
  }
  if (report.rejected.length > 0) {
    items.push({ kind: 'rejected', message: `${plural(report.rejected.length, 'source')} rejected (listed above)` });
  }
  for (const problem of [...(report.last?.problems ?? []), ...report.problems]) {
    items.push({ kind: 'state-problem', message: `${problem.key}: ${problem.reason}` });
  }
  const { deliveries } = report;
  if (deliveries.dead > 0) {
    items.push({
      kind: 'dead-letters',
      message: `${plural(deliveries.dead, 'dead letter')}: wirefeed deliveries dead, then replay once fixed`,
    });
  }
  if (deliveries.overdue > 0) {
    items.push({
      kind: 'overdue-deliveries',
      message: `${plural(deliveries.overdue, 'delivery', 'deliveries')} due for over an hour: is anything delivering (wirefeed deliver, the dev server)?`,
    });
  }
  for (const subscriber of report.subscribers) {
    if (subscriber.status === 'disabled') {
      items.push({
        kind: 'subscriber-disabled',
        message: `subscriber ${subscriber.id} is disabled (${subscriber.disabledReason ?? 'no reason recorded'}): wirefeed subscribers enable ${subscriber.id} --replay once fixed`,
      });
    } else if (subscriber.status === 'active' && subscriber.failingSince !== undefined) {
      items.push({
        kind: 'subscriber-failing',
        message: `subscriber ${subscriber.id} is failing: ${subscriber.consecutiveFailures} in a row since ${subscriber.failingSince}`,
      });
    }
  }
  return items;
}

/** The exit code of a report: STATUS_EXIT. */
export function statusExitCode(report: StatusReport, attention: readonly Attention[]): number {
  if (attention.length > 0) return STATUS_EXIT.attention;
  if (report.last === null && report.running === null) return STATUS_EXIT.empty;
  return STATUS_EXIT.ok;
}
