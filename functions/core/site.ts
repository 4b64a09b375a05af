import type { HubConfig, LeaseBounds, Site } from './article.ts';
import { ConfigError } from './errors.ts';
import { TOPIC_KINDS, type TopicKind, type TopicKindSettings, type TopicSettings } from './topics.ts';

export const DEFAULT_ITEM_LIMIT = 50;

const HOUR = 60 * 60;
const DAY = 24 * HOUR;
/**
 * The built-in hub's leases unless `site.json` says otherwise: at least an hour, ten days when the subscriber asks
 * for none (the WebSub Recommendation's suggestion), at most 30 days. Never perpetual: every lease ends.
 */
export const DEFAULT_LEASE: LeaseBounds = Object.freeze({ min: HOUR, default: 10 * DAY, max: 30 * DAY });
/** The widest bounds `site.json` may set: a minute to a year. */
export const LEASE_LIMITS = Object.freeze({ min: 60, max: 365 * DAY });
/** Where the built-in hub listens, under the site, unless `site.json` or the deployment names another URL. */
export const HUB_PATH = 'hub';
const HUB_KEYS = ['enabled', 'url', 'leaseSeconds'];
/** Pages show dates in UTC unless `site.json` names another zone. */
export const DEFAULT_TIME_ZONE = 'UTC';

/** True for a time zone name the runtime's time zone database knows (`Europe/Berlin`, `UTC`, `Asia/Kolkata`). */
export function isTimeZone(name: string): boolean {
  if (name.trim() === '' || name.length > 64) return false;
  // The default needs no check, and the first time-zone formatter costs a build that renders nothing ~10 ms of ICU.
  if (name === 'UTC') return true;
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/**
 * Validates `site.json` (already parsed) and fills defaults. `file` names the source in errors.
 * `siteUrlOverride` replaces `siteUrl` (e.g. the CloudFront domain in AWS).
 */
export function parseSite(value: unknown, file: string, siteUrlOverride?: string, hubUrlOverride?: string): Site {
  const fail = (reason: string): never => {
    throw new ConfigError(`${file}: ${reason}`);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('must be a JSON object');
  const raw = value as Record<string, unknown>;
  const text = (key: string, fallback?: string): string => {
    const v = raw[key];
    if (v === undefined && fallback !== undefined) return fallback;
    if (typeof v !== 'string' || v.trim() === '') return fail(`"${key}" must be a non-empty string`);
    return v.trim();
  };
  const siteUrl = (siteUrlOverride ?? text('siteUrl')).replace(/\/+$/, '');
  let parsed: URL;
  try {
    parsed = new URL(siteUrl);
  } catch {
    return fail(`"siteUrl" is not an absolute URL: ${siteUrl}`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') fail('"siteUrl" must be http or https');

  const authorRaw = raw.author ?? { name: text('title') };
  let author: Site['author'];
  if (typeof authorRaw === 'string') author = { name: authorRaw };
  else if (
    typeof authorRaw === 'object' &&
    authorRaw !== null &&
    typeof (authorRaw as { name?: unknown }).name === 'string'
  ) {
    const a = authorRaw as { name: string; email?: unknown; url?: unknown };
    author = {
      name: a.name,
      ...(typeof a.email === 'string' ? { email: a.email } : {}),
      ...(typeof a.url === 'string' ? { url: a.url } : {}),
    };
  } else author = fail('"author" must be a string or {"name", "email"?, "url"?}');

  const limit = raw.itemLimit ?? DEFAULT_ITEM_LIMIT;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > 1000) {
    fail('"itemLimit" must be an integer from 1 to 1000');
  }
  const timeZone = raw.timeZone ?? DEFAULT_TIME_ZONE;
  if (typeof timeZone !== 'string' || !isTimeZone(timeZone)) {
    fail(`"timeZone" must be an IANA time zone name such as "Europe/Berlin" (got ${JSON.stringify(timeZone)})`);
  }
  const hubs = raw.hubs ?? [];
  if (!Array.isArray(hubs) || hubs.some((h) => typeof h !== 'string' || !isHttpUrl(h))) {
    fail('"hubs" must be an array of absolute http(s) URLs');
  }
  const hub = parseHub(raw.hub, siteUrl, hubUrlOverride, fail);
  const advertised =
    hub === undefined ? (hubs as string[]) : [hub.url, ...(hubs as string[]).filter((h) => h !== hub.url)];

  const favicon = raw.favicon;
  if (favicon !== undefined && (typeof favicon !== 'string' || !isIconReference(favicon))) {
    fail('"favicon" must be an absolute http(s) URL or a path from the site root such as "/favicon.svg"');
  }

  return Object.freeze({
    title: text('title'),
    siteUrl,
    description: text('description', ''),
    language: text('language', 'en'),
    author: Object.freeze(author),
    itemLimit: limit as number,
    hubs: Object.freeze([...advertised]),
    ...(hub === undefined ? {} : { hub }),
    ...(typeof raw.copyright === 'string' ? { copyright: raw.copyright } : {}),
    timeZone: timeZone as string,
    topics: parseTopics(raw.topics, limit as number, fail),
    ...(typeof favicon === 'string' ? { favicon } : {}),
  });
}

function isIconReference(value: string): boolean {
  if (value.startsWith('/') && !value.startsWith('//')) return !/[\s"<>]/.test(value);
  return isHttpUrl(value);
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

/**
 * `site.json` `hub`: `{"enabled": true}` turns the built-in hub on, at `<siteUrl>/hub` unless `url` (or the
 * deployment's own hub URL, which wins) says otherwise; `leaseSeconds` `{min, default, max}` narrows or widens the
 * leases within a minute and a year. Absent, or `enabled: false`: no hub.
 */
function parseHub(
  value: unknown,
  siteUrl: string,
  urlOverride: string | undefined,
  fail: (reason: string) => never,
): HubConfig | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail('"hub" must be an object such as {"enabled": true}');
  }
  const raw = value as Record<string, unknown>;
  const unknown = Object.keys(raw).find((key) => !HUB_KEYS.includes(key));
  if (unknown !== undefined) fail(`"hub.${unknown}" is not a hub setting (settings: ${HUB_KEYS.join(', ')})`);
  if (typeof raw.enabled !== 'boolean') fail('"hub.enabled" must be true or false');
  if (raw.url !== undefined && (typeof raw.url !== 'string' || !isHttpUrl(raw.url))) {
    fail('"hub.url" must be an absolute http(s) URL');
  }
  const lease = parseLease(raw.leaseSeconds, fail);
  if (raw.enabled !== true) return undefined;
  const url = urlOverride ?? (raw.url as string | undefined) ?? `${siteUrl}/${HUB_PATH}`;
  return Object.freeze({ url, lease });
}

function parseLease(value: unknown, fail: (reason: string) => never): LeaseBounds {
  if (value === undefined) return DEFAULT_LEASE;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail('"hub.leaseSeconds" must be an object {"min", "default", "max"} (seconds)');
  }
  const raw = value as Record<string, unknown>;
  const unknown = Object.keys(raw).find((key) => !['min', 'default', 'max'].includes(key));
  if (unknown !== undefined) fail(`"hub.leaseSeconds.${unknown}" is not a lease bound (bounds: min, default, max)`);
  const bound = (key: keyof LeaseBounds): number => {
    const v = raw[key] ?? DEFAULT_LEASE[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < LEASE_LIMITS.min || v > LEASE_LIMITS.max) {
      return fail(
        `"hub.leaseSeconds.${key}" must be a whole number of seconds from ${LEASE_LIMITS.min} to ${LEASE_LIMITS.max} (got ${JSON.stringify(v)})`,
      );
    }
    return v;
  };
  const lease = { min: bound('min'), default: bound('default'), max: bound('max') };
  if (!(lease.min <= lease.default && lease.default <= lease.max)) {
    fail(`"hub.leaseSeconds" must have min <= default <= max (got ${lease.min}, ${lease.default}, ${lease.max})`);
  }
  return Object.freeze(lease);
}

/**
 * `topics`: per kind (`categories`, `tags`, `authors`), `false` to turn it off, `true` or `{"itemLimit": n}` to keep it
 * on (the item limit defaults to the site's). Every kind is on when `topics` is absent.
 */
function parseTopics(value: unknown, itemLimit: number, fail: (reason: string) => never): TopicSettings {
  const kinds = TOPIC_KINDS.map((k) => k.kind);
  if (value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value))) {
    fail(`"topics" must be an object with any of ${kinds.map((k) => `"${k}"`).join(', ')}`);
  }
  const raw = (value ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (!(kinds as string[]).includes(key)) fail(`"topics.${key}" is not a topic kind (${kinds.join(', ')})`);
  }
  const settings = {} as Record<TopicKind, TopicKindSettings | null>;
  for (const kind of kinds) {
    const v = raw[kind] ?? true;
    if (v === false) settings[kind] = null;
    else if (v === true) settings[kind] = Object.freeze({ itemLimit });
    else if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      const entry = v as Record<string, unknown>;
      for (const key of Object.keys(entry)) {
        if (key !== 'itemLimit') fail(`"topics.${kind}.${key}" is not a setting (itemLimit)`);
      }
      const n = entry.itemLimit ?? itemLimit;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 1000) {
        fail(`"topics.${kind}.itemLimit" must be an integer from 1 to 1000`);
      }
      settings[kind] = Object.freeze({ itemLimit: n as number });
    } else fail(`"topics.${kind}" must be true, false or {"itemLimit": n}`);
  }
  return Object.freeze(settings);
}
