import type { Site } from './article.ts';
import { ConfigError } from './errors.ts';

export const DEFAULT_ITEM_LIMIT = 50;
/** Pages show dates in UTC unless `site.json` names another zone. */
export const DEFAULT_TIME_ZONE = 'UTC';

/** True for a time zone name the runtime's time zone database knows (`Europe/Berlin`, `UTC`, `Asia/Kolkata`). */
export function isTimeZone(name: string): boolean {
  if (name.trim() === '' || name.length > 64) return false;
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
export function parseSite(value: unknown, file: string, siteUrlOverride?: string): Site {
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
  if (!Array.isArray(hubs) || hubs.some((h) => typeof h !== 'string')) fail('"hubs" must be an array of URLs');

  return Object.freeze({
    title: text('title'),
    siteUrl,
    description: text('description', ''),
    language: text('language', 'en'),
    author: Object.freeze(author),
    itemLimit: limit as number,
    hubs: Object.freeze([...(hubs as string[])]),
    ...(typeof raw.copyright === 'string' ? { copyright: raw.copyright } : {}),
    timeZone: timeZone as string,
  });
}
