/**
 * The messages of the PublishQueue (docs/ARCHITECTURE.md, "AWS flow"), shared by the stack (which routes S3 events
 * and sends the scheduled reconcile into the queue) and the PublishFunction (which reads them and sends the
 * continuation of a run that did not fit in one invocation). Pure: bodies in, what to publish out.
 *
 * - An S3 event (EventBridge "Object Created" / "Object Deleted" for the content bucket): publish that key.
 * - A reconcile (the EventBridge schedule): list the whole content bucket, catching anything an event missed.
 * - A continuation (sent by the PublishFunction itself): go on with the run in progress; it examines nothing new.
 *
 * Every message goes to one FIFO message group, so at most one invocation publishes at a time, in order.
 */

/** The one message group of the PublishQueue. */
export const PUBLISH_MESSAGE_GROUP = 'publish';

/** `kind` of the scheduled reconcile's body. */
export const RECONCILE_KIND = 'wirefeed.reconcile';
/** `kind` of a continuation's body. */
export const CONTINUE_KIND = 'wirefeed.continue';

/** What one message of the PublishQueue asks for. */
export type PublishTrigger =
  | { readonly kind: 'change'; readonly type: string; readonly key: string }
  | { readonly kind: 'reconcile'; readonly time: string | null }
  | { readonly kind: 'continue'; readonly run: string | null }
  /** A body of no known shape: publishing reconciles, so nothing it might have meant is missed. */
  | { readonly kind: 'unrecognized' };

/** The body the schedule sends; `time` is the scheduled event's time (it keeps two bodies apart for deduplication). */
export function reconcileBody(time: string): { readonly kind: typeof RECONCILE_KIND; readonly time: string } {
  return { kind: RECONCILE_KIND, time };
}

/** The body of a continuation of run `run`; `sent` (ISO 8601) keeps successive continuations apart. */
export function continuationBody(run: string | null, sent: string): string {
  return JSON.stringify({ kind: CONTINUE_KIND, run, sent });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What a message body asks for. */
export function parsePublishMessage(body: string): PublishTrigger {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return { kind: 'unrecognized' };
  }
  if (!isObject(value)) return { kind: 'unrecognized' };
  if (value.kind === RECONCILE_KIND)
    return { kind: 'reconcile', time: typeof value.time === 'string' ? value.time : null };
  if (value.kind === CONTINUE_KIND) return { kind: 'continue', run: typeof value.run === 'string' ? value.run : null };
  const detail = value.detail;
  const key = isObject(detail) && isObject(detail.object) ? detail.object.key : undefined;
  const type = value['detail-type'];
  if (typeof key === 'string' && typeof type === 'string' && key !== '') return { kind: 'change', type, key };
  return { kind: 'unrecognized' };
}

/**
 * The keys an event's key may stand for. EventBridge passes the key as stored, but S3's own notifications encode it
 * as a form (`red flower.jpg` → `red+flower.jpg`): both readings are examined, since examining a key that does not
 * exist changes nothing, while missing the right one would leave the change to the next reconcile.
 */
function keysOf(key: string): string[] {
  if (!/[%+]/.test(key)) return [key];
  try {
    const decoded = decodeURIComponent(key.replace(/\+/g, ' '));
    return decoded === key ? [key] : [key, decoded];
  } catch {
    return [key];
  }
}

/**
 * The `changed` option of one publish covering every message of a batch: the keys the S3 events name (sorted, once
 * each), or undefined — a full reconcile — when any message is a reconcile or of no known shape. A batch of
 * continuations alone names no key: the run in progress goes on, and nothing else is examined.
 */
export function changesOf(triggers: readonly PublishTrigger[]): readonly string[] | undefined {
  const keys = new Set<string>();
  for (const trigger of triggers) {
    if (trigger.kind === 'reconcile' || trigger.kind === 'unrecognized') return undefined;
    if (trigger.kind === 'change') for (const key of keysOf(trigger.key)) keys.add(key);
  }
  return [...keys].sort();
}

/**
 * Time an invocation keeps back from its publish run, at most: for the lease release, the continuation message and
 * the log line, and for the one step that may start just before the run's deadline and outlast its estimate.
 */
export const INVOCATION_RESERVE_MS = 30_000;

/**
 * The deadline (ms since the epoch) of the publish run of an invocation that has `remainingMs` left at `now`: the
 * time left less a reserve (a quarter of it when that is less than INVOCATION_RESERVE_MS). Undefined when the
 * runtime does not say how much time is left: the run then has no deadline.
 */
export function invocationDeadline(now: number, remainingMs: number | undefined): number | undefined {
  if (remainingMs === undefined || !Number.isFinite(remainingMs)) return undefined;
  const left = Math.max(0, remainingMs);
  return now + left - Math.min(INVOCATION_RESERVE_MS, left / 4);
}
