/**
 * Source discovery: which content keys are article sources, what a full reconcile must examine (listed keys whose
 * revision moved and whose bytes changed, new keys, keys gone), and reading one source.
 */
import { listInPages, type ObjectInfo, type ObjectStore } from '../../core/ports.ts';
import type { SourceEntry } from '../../core/records.ts';
import { SOURCE_PREFIX } from '../../core/state-keys.ts';
import type { SourceIndex } from './source-index.ts';

/** True for a key under `articles/` that publish reads as a source (dot-files and `~` backups are not). */
export function isSourceKey(key: string): boolean {
  if (!key.startsWith(SOURCE_PREFIX)) return false;
  const name = key.slice(key.lastIndexOf('/') + 1);
  return name !== '' && !name.startsWith('.') && !name.endsWith('~');
}

/** What a source key's bytes were when read: enough to tell later that they did not change. */
export interface Fingerprint {
  readonly revision: string;
  readonly etag: string;
}

export type SourceRead =
  | { readonly key: string; readonly state: 'missing' }
  | { readonly key: string; readonly state: 'unreadable'; readonly fingerprint: Fingerprint; readonly reason: string }
  | { readonly key: string; readonly state: 'present'; readonly fingerprint: Fingerprint; readonly body: Uint8Array };

/** Reads one source. A symbolic link (or anything the store will not read) is reported with its reason. */
export async function readSource(content: ObjectStore, key: string): Promise<SourceRead> {
  const object = await content.get(key);
  if (object === null) return { key, state: 'missing' };
  const fingerprint = { revision: object.revision, etag: object.etag };
  if (object.unreadable !== undefined) return { key, state: 'unreadable', fingerprint, reason: object.unreadable };
  return { key, state: 'present', fingerprint, body: object.body };
}

export interface ReconcilePlan {
  /** Source keys to examine, sorted: changed, new, unreadable with a new reason, and gone. */
  readonly work: readonly string[];
  /** Entries whose revision moved while their bytes did not (a `touch`): only the revision is updated. */
  readonly refreshed: readonly (readonly [string, SourceEntry])[];
  /** Sources listed. */
  readonly listed: number;
}

/**
 * Compares the content listing with the source index, whose revisions must be known (`loadAll` or `loadRevisions`).
 * Equal revisions skip the source without reading it or its shard; otherwise the shard is read and the ETag decides
 * (a directory store hashes the file only then), so an edit is found whatever modification time it leaves behind.
 */
export async function planReconcile(content: ObjectStore, index: SourceIndex): Promise<ReconcilePlan> {
  const work: string[] = [];
  const refreshed: [string, SourceEntry][] = [];
  const seen = new Set<string>();
  const moved: ObjectInfo[] = [];
  for await (const page of listInPages(content, SOURCE_PREFIX)) {
    for (const info of page) {
      if (!isSourceKey(info.key)) continue;
      seen.add(info.key);
      if (index.revisionOf(info.key) !== info.revision) moved.push(info);
    }
  }
  const gone = [...index.keys()].filter((key) => !seen.has(key));
  await index.loadFor([...moved.map((info) => info.key), ...gone]);
  for (const info of moved) {
    const entry = index.get(info.key);
    if (entry === undefined) {
      work.push(info.key);
    } else if (info.unreadable !== undefined) {
      if (entry.error === info.unreadable) refreshed.push([info.key, { ...entry, revision: info.revision }]);
      else work.push(info.key);
    } else if (entry.etag === info.etag) {
      refreshed.push([info.key, { ...entry, revision: info.revision }]);
    } else {
      work.push(info.key);
    }
  }
  for (const key of gone) if (index.get(key) !== undefined) work.push(key);
  work.sort();
  return { work, refreshed, listed: seen.size };
}
