/** `site.json` from the content store, for every entry point that needs the site (publish, the hub, the CLI). */
import type { Site } from '../core/article.ts';
import { ConfigError } from '../core/errors.ts';
import { parseJsonBytes } from '../core/json.ts';
import type { ObjectStore } from '../core/ports.ts';
import { parseSite } from '../core/site.ts';
import { SITE_KEY } from '../core/state-keys.ts';

/** Reads and validates `site.json` from the content store; `siteUrl` and `hubUrl` override what it says. */
export async function loadSite(content: ObjectStore, siteUrl?: string, hubUrl?: string): Promise<Site> {
  const location = `${content.location}/${SITE_KEY}`;
  const object = await content.get(SITE_KEY);
  if (object === null) throw new ConfigError(`${location}: not found`);
  let value: unknown;
  try {
    value = parseJsonBytes(object.body);
  } catch (error) {
    throw new ConfigError(`${location}: ${(error as Error).message}`, { cause: error });
  }
  return parseSite(value, location, siteUrl, hubUrl);
}
