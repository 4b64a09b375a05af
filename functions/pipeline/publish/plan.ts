/**
 * Planning: what a new run must do, decided from reads only (no lease is taken for a run with nothing to do).
 * Without a change list it is a full reconcile (the content listing against the source index); with one, only the
 * named keys are examined. Either way a changed site, renderer or normalizer, or an output root that lost its
 * files, adds the work that brings every published file up to date; and scheduled sources whose instant has come are
 * examined again, whatever the run was asked for.
 */
import { NORMALIZER_VERSION } from '../../core/normalize/version.ts';
import type { ObjectStore } from '../../core/ports.ts';
import type { SourceEntry } from '../../core/records.ts';
import { RENDER_VERSION } from '../../core/render/version.ts';
import { RECORD_PREFIX } from '../../core/state-keys.ts';
import type { Head } from './journal.ts';
import type { Schedule } from './schedule.ts';
import type { SourceIndex } from './source-index.ts';
import { isSourceKey, planReconcile } from './sources.ts';

export interface Plan {
  /** Work items: `s:<source key>` then `r:<article id>`. */
  readonly work: readonly string[];
  readonly forcePages: boolean;
  /** Index entries whose revision moved while the bytes did not. */
  readonly refreshed: readonly (readonly [string, SourceEntry])[];
  /** The source index was read whole (a reconcile): the run can report every rejected source. */
  readonly complete: boolean;
  /** Nothing was ever published here: even an empty site gets its front page and feeds. */
  readonly initial: boolean;
}

/** True when a plan asks for no run at all. */
export function isEmptyPlan(plan: Plan): boolean {
  return plan.work.length === 0 && !plan.forcePages && !plan.initial;
}

/** The front page: when it is gone while articles are published, the output root lost its files. */
const FRONT_PAGE = 'index.html';

export async function planRun(options: {
  readonly content: ObjectStore;
  readonly output: ObjectStore;
  readonly state: ObjectStore;
  readonly index: SourceIndex;
  readonly head: Head;
  readonly siteHash: string;
  /** Content keys to examine; undefined for a full reconcile. */
  readonly changed: readonly string[] | undefined;
  readonly schedule: Schedule;
  readonly now: Date;
}): Promise<Plan> {
  const { head, index } = options;
  const sources = new Set<string>();
  let refreshed: (readonly [string, SourceEntry])[] = [];
  let complete = false;
  if (options.changed === undefined) {
    if (!(await index.loadRevisions())) await index.loadAll();
    const reconcile = await planReconcile(options.content, index);
    for (const key of reconcile.work) sources.add(key);
    refreshed = [...reconcile.refreshed];
    complete = true;
  } else {
    for (const key of options.changed) if (isSourceKey(key)) sources.add(key);
  }
  for (const key of await options.schedule.dueAt(options.now)) sources.add(key);
  const published = head.site !== '';
  // A changed site can change which topics every article belongs to (kinds turned on or off), so every source is
  // accepted again too; unchanged bytes keep that silent (accept.ts).
  if (published && (head.normalizer !== NORMALIZER_VERSION || head.site !== options.siteHash)) {
    // Every source is normalized again; unchanged bytes make it silent (accept.ts).
    await index.loadAll();
    complete = true;
    for (const [key] of index.entries()) sources.add(key);
  }
  const wiped = options.changed === undefined && head.articles > 0 && (await options.output.head(FRONT_PAGE)) === null;
  const forcePages = published && (head.site !== options.siteHash || head.render !== RENDER_VERSION || wiped);
  const work = [...sources].sort().map((key) => `s:${key}`);
  if (forcePages) {
    for await (const info of options.state.list(RECORD_PREFIX)) {
      if (info.key.endsWith('.json')) work.push(`r:${info.key.slice(RECORD_PREFIX.length, -'.json'.length)}`);
    }
  }
  return { work, forcePages, refreshed, complete, initial: !published };
}
