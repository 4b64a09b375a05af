/**
 * Files every site carries whatever its articles: today the webhook JSON Schema (`webhooks/schema.json`, from
 * core/event-schemas.ts), so integrators can fetch the contract from the site that sends them events. Each is
 * compared with what the output holds (its MD5 ETag) and written only when it differs, by the runs that render every
 * page (the first publish, a site.json change, a RENDER_VERSION change), so an edit never pays for them: a release
 * that changes a schema bumps RENDER_VERSION (core/render/version.ts) and republishes it on its first run.
 */
import { createHash } from 'node:crypto';
import type { OutputFile } from '../../core/article.ts';
import { schemaText, WEBHOOK_SCHEMA_PATH, webhookSchema } from '../../core/event-schemas.ts';
import type { ObjectStore } from '../../core/ports.ts';
import { cacheControlFor, contentTypeFor } from '../../core/render/content-types.ts';

/** The fixed files of a site. */
export function siteFiles(): OutputFile[] {
  const path = WEBHOOK_SCHEMA_PATH;
  return [
    { path, body: schemaText(webhookSchema()), contentType: contentTypeFor(path), cacheControl: cacheControlFor(path) },
  ];
}

/** Writes the fixed files whose published bytes differ; returns the paths written. */
export async function publishSiteFiles(output: ObjectStore): Promise<string[]> {
  const written: string[] = [];
  for (const file of siteFiles()) {
    const etag = `"${createHash('md5').update(file.body).digest('hex')}"`;
    if ((await output.head(file.path))?.etag === etag) continue;
    await output.put(file.path, file.body, { contentType: file.contentType, cacheControl: file.cacheControl });
    written.push(file.path);
  }
  return written;
}
