/**
 * A subscription request to the built-in hub (W3C WebSub, "Subscriber Sends Subscription Request"): a form-encoded
 * POST with `hub.callback`, `hub.mode`, `hub.topic`, optional `hub.lease_seconds` and `hub.secret`. Checked here,
 * before the 202, so every refusal is an immediate 4xx with a plain-text reason; parameters the hub does not know
 * are ignored. Pure.
 */
import type { LeaseBounds, Site } from '../article.ts';
import { HubRequestError, UnsafeTargetError } from '../errors.ts';
import { checkTargetUrl } from '../ssrf.ts';
import type { HubMode } from './subscription.ts';
import { feedOfUrl, siteFeeds } from './topics.ts';

/** Bytes of request body the hub reads; a subscription request is a few hundred. */
export const MAX_HUB_REQUEST_BYTES = 16 * 1024;
/** `hub.secret` MUST be less than 200 bytes. */
export const MAX_SECRET_BYTES = 199;
/** Longest callback URL accepted (what common servers accept in a request line). */
export const MAX_CALLBACK_LENGTH = 2048;
const FORM_TYPE = 'application/x-www-form-urlencoded';
const KNOWN = ['hub.mode', 'hub.topic', 'hub.callback', 'hub.lease_seconds', 'hub.secret'];
const utf8 = new TextDecoder('utf-8', { fatal: true });

export interface HubRequestContext {
  /** The site: the topics the hub serves are its feeds (`feedOfUrl`); whether one is published is checked after. */
  readonly site: Pick<Site, 'siteUrl' | 'topics'>;
  readonly lease: LeaseBounds;
  /** Local development: callbacks on loopback or private addresses, `http:` and any port. */
  readonly allowPrivateTargets: boolean;
}

/** What an accepted request asks for, before the hub gives it an id and a time. */
export interface ParsedHubRequest {
  readonly mode: HubMode;
  /** The topic as the site names it (the `rel="self"` URL), whatever spelling the request used. */
  readonly topic: string;
  readonly callback: string;
  /** Granted lease: the requested one clamped to the bounds, or the default (unsubscribe: the default, unused). */
  readonly leaseSeconds: number;
  readonly secret?: string;
}

/** The lease the hub grants for a requested `hub.lease_seconds` (absent: the default). */
export function grantLease(requested: number | undefined, bounds: LeaseBounds): number {
  if (requested === undefined) return bounds.default;
  return Math.min(Math.max(requested, bounds.min), bounds.max);
}

/** The reason a topic is refused: what it asked for, and what this hub's topics look like. */
export function notAFeed(topic: string, site: Pick<Site, 'siteUrl'>, why = 'is not a feed of this site'): string {
  const feeds = siteFeeds(site).map((f) => f.url);
  return `hub.topic ${JSON.stringify(topic)} ${why}; its topics are ${feeds.join(', ')}, their archive/<n>/ documents, and the same under categories/<slug>/, tags/<slug>/ and authors/<slug>/ for every topic with articles`;
}

function refuse(reason: string, status = 400): never {
  throw new HubRequestError(status, reason);
}

/** The form parameters of the body. @throws HubRequestError for another media type or bytes that are not UTF-8. */
export function readHubForm(contentType: string | undefined, body: Uint8Array): URLSearchParams {
  const mediaType = (contentType ?? '').split(';', 1)[0]?.trim().toLowerCase();
  if (mediaType !== FORM_TYPE) {
    refuse(
      `a subscription request must be ${FORM_TYPE} (got ${contentType ? JSON.stringify(contentType) : 'none'})`,
      415,
    );
  }
  if (body.length > MAX_HUB_REQUEST_BYTES) refuse(`the request body is over ${MAX_HUB_REQUEST_BYTES} bytes`, 413);
  try {
    return new URLSearchParams(utf8.decode(body));
  } catch {
    return refuse('the request body is not UTF-8');
  }
}

function single(form: URLSearchParams, name: string): string | undefined {
  const values = form.getAll(name);
  if (values.length > 1) refuse(`${name} is given ${values.length} times`);
  return values[0];
}

function parseCallback(value: string | undefined, allowPrivateTargets: boolean): string {
  if (value === undefined || value === '') return refuse('hub.callback is required');
  if (value.length > MAX_CALLBACK_LENGTH) refuse(`hub.callback is longer than ${MAX_CALLBACK_LENGTH} characters`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses
  if (/[\u0000-\u0020\u007f]/.test(value)) refuse('hub.callback must be a URL without spaces or control characters');
  try {
    checkTargetUrl(value, { allowPrivateTargets });
  } catch (error) {
    if (error instanceof UnsafeTargetError) refuse(`hub.callback is refused: ${error.reason}`);
    throw error;
  }
  return value;
}

function parseLeaseSeconds(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d{1,12}$/.test(value))
    refuse(`hub.lease_seconds must be a positive whole number (got ${JSON.stringify(value)})`);
  return Number(value);
}

function parseSecret(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > MAX_SECRET_BYTES) refuse(`hub.secret must be less than 200 bytes (got ${bytes})`);
  return value;
}

/**
 * Checks a subscription request's parameters: the mode, a topic that is one of the site's feeds, a callback the SSRF
 * guard lets through, a lease (clamped) and a secret under 200 bytes. Unknown parameters are ignored; a known one
 * given twice is refused rather than guessed at.
 * @throws HubRequestError with the status and the plain-text reason to answer.
 */
export function parseHubForm(form: URLSearchParams, context: HubRequestContext): ParsedHubRequest {
  for (const name of KNOWN) single(form, name);
  const mode = single(form, 'hub.mode');
  if (mode === 'publish') {
    refuse("hub.mode=publish is not needed: this hub distributes its own site's feeds itself whenever they change");
  }
  if (mode !== 'subscribe' && mode !== 'unsubscribe') {
    refuse(
      mode === undefined || mode === ''
        ? 'hub.mode is required: subscribe or unsubscribe'
        : `hub.mode must be subscribe or unsubscribe (got ${JSON.stringify(mode)})`,
    );
  }
  const topicParam = single(form, 'hub.topic');
  if (topicParam === undefined || topicParam === '') refuse('hub.topic is required');
  const feed = feedOfUrl(context.site, topicParam);
  if (feed === null) refuse(notAFeed(topicParam, context.site), 404);
  const callback = parseCallback(single(form, 'hub.callback'), context.allowPrivateTargets);
  // Ignored for unsubscribe, as the Recommendation requires, but still checked when given: a malformed value is a
  // mistake the subscriber wants to hear about.
  const requested = parseLeaseSeconds(single(form, 'hub.lease_seconds'));
  const secret = mode === 'subscribe' ? parseSecret(single(form, 'hub.secret')) : undefined;
  return {
    mode,
    topic: feed.url,
    callback,
    leaseSeconds: grantLease(mode === 'subscribe' ? requested : undefined, context.lease),
    ...(secret === undefined ? {} : { secret }),
  };
}
