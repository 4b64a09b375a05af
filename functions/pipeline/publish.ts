/**
 * Publish: content store → normalize → per-article records → pages, archive and feeds → events → delivery queue.
 * The same function runs in the CLI (directories), the dev server (named keys from the watcher) and the
 * PublishFunction Lambda (S3, named keys from S3 events, a scheduled reconcile, a time budget).
 *
 * The parts, in the order a run uses them (docs/ARCHITECTURE.md, "Data path"):
 * - publish/plan.ts and publish/sources.ts: what to examine (a full reconcile, or the named keys);
 * - publish/lock.ts: one writer at a time (a lease on the state store);
 * - publish/journal.ts: the crash protocol (the in-progress record in `state.json`);
 * - publish/run.ts: the phases of a run (sources in batches, render, handoff, finish);
 * - publish/accept.ts: normalize, ownership of ids, rejections, the next record, its event;
 * - publish/collections.ts: feed windows and the paged archive;
 * - publish/state.ts, publish/source-index.ts: the records and the source index;
 * - publish/migrate.ts: the release-1 state, adopted on first run.
 *
 * Guarantees: an unchanged rebuild writes nothing (not even the lease); identical input gives byte-identical
 * files; events are handed out only after the files they describe; a crash, a failed write or an exhausted time
 * budget at any point converges on the next run to the files and event ids of one uninterrupted run.
 */
import { randomUUID } from 'node:crypto';
import type { Site } from '../core/article.ts';
import { articleUrl } from '../core/article.ts';
import type { DeliveryQueue } from '../core/delivery.ts';
import { WriterBusyError } from '../core/errors.ts';
import type { WebhookEvent } from '../core/events.ts';
import { siteFeedUrls } from '../core/feeds.ts';
import { sha256 } from '../core/hash.ts';
import { parseJsonBytes } from '../core/json.ts';
import { NORMALIZER_VERSION } from '../core/normalize/version.ts';
import type { Clock, ObjectStore, ParallelNormalizer } from '../core/ports.ts';
import { RENDER_VERSION } from '../core/render/version.ts';
import type { RejectedSource } from './publish/accept.ts';
import type { SourceWarning } from './publish/assets.ts';
import { Collections, SITE_COLLECTION_ID } from './publish/collections.ts';
import type { StateProblem } from './publish/handoff.ts';
import { emptyHead, type Head, Journal, type RunState } from './publish/journal.ts';
import { WriterLease } from './publish/lock.ts';
import { hasLegacyState, migrateLegacyState } from './publish/migrate.ts';
import { isEmptyPlan, type Plan, planRun } from './publish/plan.ts';
import { type PublishProgress, RecordCache, Run, type RunTally } from './publish/run.ts';
import { Schedule } from './publish/schedule.ts';
import { SourceIndex } from './publish/source-index.ts';
import { loadSite } from './site.ts';
import { clearFailure, recordFailure } from './status.ts';

export type { RejectedSource } from './publish/accept.ts';
export type { SourceWarning } from './publish/assets.ts';
export type { StateProblem } from './publish/handoff.ts';
export type { PublishProgress } from './publish/run.ts';
export { isSourceKey } from './publish/sources.ts';
// site.json is read by the hub too, which needs none of the publishing code: it lives in its own module.
export { loadSite } from './site.ts';

export interface PublishPorts {
  /** `site.json` at its root, article sources under `articles/`. */
  readonly content: ObjectStore;
  readonly output: ObjectStore;
  readonly state: ObjectStore;
  readonly queue: DeliveryQueue;
  readonly clock: Clock;
}

export interface PublishOptions {
  /**
   * Content keys that changed (named by S3 events or the file watcher; `site.json` among them is a site change):
   * only these are examined. Without it the run is a full reconcile of the content store.
   */
  readonly changed?: readonly string[];
  /** Time this call may take, by the ports' clock; when the work does not fit, the run checkpoints and stops. */
  readonly budgetMs?: number;
  /** Absolute deadline (ms since the epoch, by the ports' clock); the earlier of this and `budgetMs` applies. */
  readonly deadline?: number;
  /** Overrides `siteUrl` from site.json (e.g. the CloudFront URL in AWS). */
  readonly siteUrl?: string;
  /** Where the built-in WebSub hub listens when site.json turns it on (e.g. its HTTP API route in AWS). */
  readonly hubUrl?: string;
  readonly onProgress?: (progress: PublishProgress) => void;
  /** Length of the writer lease (default 2 minutes, renewed while the run works). */
  readonly leaseMs?: number;
  /** Normalizes on other threads when a run examines enough sources (the CLI's worker pool); else in-process. */
  readonly parallel?: ParallelNormalizer;
}

export interface PublishResult {
  /** `incomplete`: the time budget ran out; the run is checkpointed and the next call continues it. */
  readonly status: 'complete' | 'incomplete';
  /** Articles published after this call. */
  readonly articles: number;
  /** Rejected sources: every one after a full reconcile, those examined after a named-key run. */
  readonly rejected: readonly RejectedSource[];
  /** Output paths written by this call. */
  readonly written: readonly string[];
  /** Output files already published with identical bytes. */
  readonly unchanged: number;
  /** Output paths deleted by this call. */
  readonly deleted: readonly string[];
  /** Events handed to the delivery queue by this call (a continued run hands its events out when it finishes). */
  readonly events: readonly WebhookEvent[];
  /** State objects that could not be used (e.g. an unreadable subscriber record); the run went on without them. */
  readonly problems: readonly StateProblem[];
  /** Sources this call published with a warning: an image that is missing, unreadable, too large or refused. */
  readonly warnings: readonly SourceWarning[];
  /** Id of the run in progress when this call is `incomplete` (the next call continues it), else null. */
  readonly run: string | null;
  /**
   * When the earliest scheduled article (a future `date`) falls due, ISO 8601, or null: the first publish at or after
   * that instant publishes it (the dev server and the AWS schedule call publish then).
   */
  readonly nextDue: string | null;
}

/** Changes to examine: the union of those queued while another run worked and this call's; undefined = all. */
function mergeChanges(later: Head['later'], changed: readonly string[] | undefined): readonly string[] | undefined {
  if (later === 'reconcile' || changed === undefined) return undefined;
  return [...new Set([...(later ?? []), ...changed])].sort();
}

/** Where the published output is now and what existing records' entry ids are based on (a new run fixes both). */
interface Origin {
  /** The site URL the output was published with, or null when there is no output yet. */
  readonly siteUrl: string | null;
  readonly idBase: string;
}

/**
 * The origin of the output `head` describes. A state written before it recorded its site URL is read from the
 * published JSON Feed's `home_page_url` (the URL every id of that output was made from), once: the run records it.
 */
async function originOf(head: Head, output: ObjectStore, site: Site): Promise<Origin> {
  let siteUrl = head.siteUrl ?? null;
  if (siteUrl === null && head.site !== '') {
    const feed = await output.get('feed.json').catch(() => null);
    try {
      const home = feed === null ? null : (parseJsonBytes(feed.body) as { home_page_url?: unknown }).home_page_url;
      if (typeof home === 'string' && /^https?:\/\//.test(home)) siteUrl = home.replace(/\/+$/, '');
    } catch {
      // An unreadable feed names no URL: the ids stay those of the current site URL.
    }
  }
  return { siteUrl, idBase: head.idBase ?? siteUrl ?? site.siteUrl };
}

function newRun(plan: Plan, head: Head, siteHash: string, now: Date, origin: Origin, site: Site): RunState {
  const carried = head.adopted?.events ?? [];
  const moved = origin.siteUrl !== null && origin.siteUrl !== site.siteUrl;
  return {
    id: `${now.toISOString().replace(/[:.]/g, '')}-${randomUUID().slice(0, 8)}`,
    started: now.toISOString(),
    site: siteHash,
    render: RENDER_VERSION,
    normalizer: NORMALIZER_VERSION,
    silent: head.adopted !== null,
    forcePages: plan.forcePages,
    workCount: plan.work.length,
    work: null,
    cursor: 0,
    open: null,
    batches: carried.length === 0 ? [] : [{ events: carried }],
    spilled: [],
    flushed: carried.length === 0 ? 0 : 1,
    phase: 'sources',
    feedsBefore: null,
    handed: 0,
    idBase: origin.idBase,
    ...(moved ? { movedFrom: origin.siteUrl as string } : {}),
  };
}

/**
 * Publishes the content store to the output store; see the module comment for the guarantees. A run that fails
 * (other than finding the state busy) is recorded for `wirefeed status` before the error goes on.
 */
export async function publish(ports: PublishPorts, options: PublishOptions = {}): Promise<PublishResult> {
  try {
    return await publishRun(ports, options);
  } catch (error) {
    if (!(error instanceof WriterBusyError)) await recordFailure(ports.state, ports.clock.now(), error);
    throw error;
  }
}

async function publishRun(ports: PublishPorts, options: PublishOptions): Promise<PublishResult> {
  const { content, state, clock } = ports;
  const startedAt = clock.now().getTime();
  const deadline = Math.min(
    options.deadline ?? Number.POSITIVE_INFINITY,
    options.budgetMs === undefined ? Number.POSITIVE_INFINITY : startedAt + options.budgetMs,
  );
  const site = await loadSite(content, options.siteUrl, options.hubUrl);
  const siteHash = sha256(JSON.stringify(site));
  const journal = new Journal(state);
  let index = new SourceIndex(state);
  let head = await journal.read();
  const legacy = head === null && (await hasLegacyState(state));
  const tally: RunTally = { written: [], deleted: [], events: [], rejected: new Map(), problems: [], warnings: [] };
  let plan: Plan | null = null;
  let complete = false;

  // A look without the lease: a run with nothing to do writes nothing, not even the lease.
  if (!legacy && head?.run == null && head?.later == null) {
    const looked = head ?? emptyHead();
    const schedule = new Schedule(state, looked.nextDue);
    plan = await planRun({
      ...ports,
      index,
      head: looked,
      siteHash,
      changed: options.changed,
      schedule,
      now: clock.now(),
    });
    if (isEmptyPlan(plan) && plan.refreshed.length === 0) {
      // Nothing to do is a success too: a failure recorded earlier is over (a finished run supersedes it by date).
      await clearFailure(state);
      return summarize(head ?? emptyHead(), index, tally, 'complete', plan.complete);
    }
  }

  const lease = await WriterLease.acquire(state, {
    clock,
    ...(options.leaseMs === undefined ? {} : { leaseMs: options.leaseMs }),
  });
  let status: PublishResult['status'] = 'complete';
  try {
    const seen = journal.etag;
    head = await journal.read();
    if (head === null && legacy)
      head = await migrateLegacyState({ state, content, journal, siteHash, now: clock.now() });
    head ??= emptyHead();
    // Another run finished or started between the look and the lease: plan again from what it left.
    if (journal.etag !== seen || head.run !== null || head.later !== null) {
      plan = null;
      index = new SourceIndex(state);
    }
    const schedule = new Schedule(state, head.nextDue);
    let changed: readonly string[] | undefined = options.changed;
    if (head.run !== null) {
      // This call's changes wait until the run in progress has finished.
      // (A continuation names no key: it only carries the run on.)
      const queued = mergeChanges(head.later, options.changed);
      if (queued === undefined) head.later = 'reconcile';
      else if (queued.length > 0) head.later = [...queued];
    } else if (head.later !== null) {
      changed = mergeChanges(head.later, options.changed);
      head.later = null;
    }
    const records = new RecordCache(state);
    const collections = new Collections(state, site);
    const outOfTime = (estimateMs: number) => clock.now().getTime() + estimateMs >= deadline;
    for (;;) {
      const fresh = head.run === null;
      if (head.run === null) {
        plan ??= await planRun({ ...ports, index, head, siteHash, changed, schedule, now: clock.now() });
        complete = plan.complete;
        for (const [key, entry] of plan.refreshed) index.set(key, entry);
        if (isEmptyPlan(plan) && head.adopted === null) {
          if (index.dirty) await index.flush();
          await index.storeRevisions();
          break;
        }
        const run = newRun(plan, head, siteHash, clock.now(), await originOf(head, ports.output, site), site);
        head.run = { ...run, work: await journal.storeWork(run.id, plan.work) };
        head.adopted = null;
      }
      const run = new Run(
        {
          ...ports,
          site,
          journal,
          head,
          index,
          schedule,
          collections,
          records,
          lease,
          events: {
            feeds: siteFeedUrls(site),
            articleUrl: (id) => articleUrl(site, id),
            timestamp: head.run.started,
            ...(head.run.movedFrom === undefined
              ? {}
              : { movedFrom: siteFeedUrls({ ...site, siteUrl: head.run.movedFrom }) }),
          },
          normalizer: NORMALIZER_VERSION,
          tally,
          outOfTime,
          ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
          ...(options.parallel === undefined ? {} : { parallel: options.parallel }),
        },
        head.run,
        fresh,
      );
      const runState = head.run;
      if (!(await run.phases())) {
        status = 'incomplete';
        break;
      }
      // A reconcile also clears the page versions that edits and interrupted checkpoints left behind in the
      // collections it changed (all of them after a forced render): what it examines follows the change, so a
      // one-article edit does not read every collection's directory.
      if (complete) {
        const ids = runState.forcePages
          ? await collections.storedIds()
          : [...new Set([SITE_COLLECTION_ID, ...(runState.touched ?? [])])].sort();
        await collections.collectGarbage(ids);
        await journal.forgetOthers(head.run?.id ?? null);
      }
      plan = null;
      if (head.later === null) break;
      changed = head.later === 'reconcile' ? undefined : head.later;
      head.later = null;
      if (outOfTime(0)) {
        head.later = changed === undefined ? 'reconcile' : [...changed];
        await journal.write(head);
        status = 'incomplete';
        break;
      }
    }
  } finally {
    await lease.release();
  }
  return summarize(head, index, tally, status, complete);
}

function summarize(
  head: Head,
  index: SourceIndex,
  tally: RunTally,
  status: PublishResult['status'],
  complete: boolean,
): PublishResult {
  let rejected: RejectedSource[];
  if (complete) {
    rejected = [];
    for (const [file, reason] of index.rejected()) rejected.push({ file, reason });
  } else {
    rejected = [...tally.rejected].map(([file, reason]) => ({ file, reason }));
  }
  rejected.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  const written = [...new Set(tally.written)];
  const deleted = [...new Set(tally.deleted)];
  const total = head.articles + head.collectionFiles;
  return {
    status,
    articles: head.articles,
    rejected,
    written,
    unchanged: Math.max(0, total - written.length),
    deleted,
    events: tally.events,
    problems: tally.problems,
    warnings: tally.warnings,
    run: status === 'incomplete' ? (head.run?.id ?? null) : null,
    nextDue: head.nextDue,
  };
}
