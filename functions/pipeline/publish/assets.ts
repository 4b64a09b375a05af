/**
 * Local images published with the site (docs/ARCHITECTURE.md, "Images"). Accept resolves an article's images
 * (`resolveMedia`: reads their bytes, sizes them, folds the result into the article); a batch then applies the
 * reference changes (`AssetBook`): the new bytes are published before the pages that show them, and a published
 * image no article shows any more is deleted after them, its reference object written last, so a batch replayed
 * after a crash does the same again and nothing is left behind. An edit touches the objects of its own images only.
 */
import type { Article, AssetInfo } from '../../core/article.ts';
import {
  type AssetRefChange,
  type AssetState,
  applyAssetRefs,
  describeImage,
  type ImageFacts,
  livePaths,
  mediaEntry,
  parseAssetState,
  type SizeReader,
  withMedia,
} from '../../core/assets.ts';
import { mapLimit } from '../../core/concurrency.ts';
import { sha256 } from '../../core/hash.ts';
import { IMAGE_CACHE_CONTROL, IMAGE_SIZE_LIMIT, imageTypeOf } from '../../core/media-types.ts';
import type { ObjectStore } from '../../core/ports.ts';
import { assetStateKey } from '../../core/state-keys.ts';
import { IO_CONCURRENCY, invalidState, JSON_TYPE, readState } from './state.ts';

/** A one-line warning about a source that still publishes (a missing or refused image). */
export interface SourceWarning {
  readonly file: string;
  readonly reason: string;
}

let sizeReader: SizeReader | undefined;

/** `image-size`, loaded when a run first meets an image (a cold start that publishes none never parses it). */
async function loadSizeReader(): Promise<SizeReader> {
  if (sizeReader === undefined) {
    const { imageSize } = await import('image-size');
    sizeReader = imageSize;
  }
  return sizeReader;
}

/** What accept learnt of an article's images. */
export interface ResolvedMedia {
  /** The article with `media` and a `contentHash` that covers it. */
  readonly article: Article;
  readonly warnings: readonly SourceWarning[];
}

/** Reads and sizes an article's local images; a missing, unreadable or refused one is a warning, never a rejection. */
export async function resolveMedia(content: ObjectStore, article: Article): Promise<ResolvedMedia> {
  if (article.assets.length === 0) return { article, warnings: [] };
  const readSize = await loadSizeReader();
  const media: Record<string, AssetInfo> = {};
  const warnings: SourceWarning[] = [];
  for (const key of article.assets) {
    const facts = await imageFacts(content, key, readSize);
    if ('reason' in facts) {
      warnings.push({ file: article.source, reason: `image ${key}: ${facts.reason}` });
    } else {
      media[key] = mediaEntry(facts);
    }
  }
  return { article: withMedia(article, media), warnings };
}

async function imageFacts(
  content: ObjectStore,
  key: string,
  readSize: SizeReader,
): Promise<ImageFacts | { reason: string }> {
  // The size first: an image over the limit is refused without reading it.
  const info = await content.head(key);
  if (info === null) return { reason: 'missing' };
  if (info.unreadable !== undefined) return { reason: info.unreadable };
  if (info.size > IMAGE_SIZE_LIMIT) {
    return { reason: `image is ${info.size} bytes, over the ${IMAGE_SIZE_LIMIT / 1024 / 1024} MiB limit` };
  }
  const object = await content.get(key);
  if (object === null) return { reason: 'missing' };
  if (object.unreadable !== undefined) return { reason: object.unreadable };
  return describeImage(key, object.body, readSize);
}

/** Reads one image's reference object (null when no article references it). */
export async function readAssetState(state: ObjectStore, key: string): Promise<AssetState | null> {
  const stateKey = assetStateKey(key);
  const read = await readState(
    state,
    stateKey,
    (value) => {
      const parsed = parseAssetState(value);
      if (typeof parsed === 'string') throw invalidState(state, stateKey, parsed);
      return parsed;
    },
    'image references',
  );
  return read?.value ?? null;
}

/**
 * Puts back the published images of one article that the output no longer holds (a forced render after the output
 * root was wiped by hand: the reference objects still say they are published). Bytes that changed since the record
 * named them are left to the image's own change, as in `AssetBatch.publish`.
 */
export async function restoreMedia(
  stores: { content: ObjectStore; output: ObjectStore },
  article: Pick<Article, 'media'>,
  onWrite: (path: string) => void,
): Promise<void> {
  const published = Object.entries(article.media ?? {}).flatMap(([key, info]) =>
    info.path === undefined ? [] : [[key, info.path] as const],
  );
  await mapLimit(published, IO_CONCURRENCY, async ([key, path]) => {
    if ((await stores.output.head(path)) !== null) return;
    await putImage(stores, key, path, onWrite);
  });
}

/** Copies an image's bytes from content to its published path, if they are still the bytes the path names. */
async function putImage(
  stores: { content: ObjectStore; output: ObjectStore },
  key: string,
  path: string,
  onWrite: (path: string) => void,
): Promise<void> {
  const object = await stores.content.get(key);
  if (object === null || object.unreadable !== undefined) return;
  const hash = path.split('/')[1] ?? '';
  if (!sha256(object.body).startsWith(hash)) return;
  // The type its extension names, which describeImage checked against the bytes.
  await stores.output.put(path, object.body, {
    contentType: imageTypeOf(path) ?? 'application/octet-stream',
    cacheControl: IMAGE_CACHE_CONTROL,
  });
  onWrite(path);
}

/** The reference changes of one batch, loaded and decided: `publish` before its pages, `settle` after them. */
export class AssetBatch {
  readonly #stores: { content: ObjectStore; output: ObjectStore; state: ObjectStore };
  readonly #before = new Map<string, AssetState | null>();
  readonly #after = new Map<string, AssetState | null>();

  private constructor(stores: { content: ObjectStore; output: ObjectStore; state: ObjectStore }) {
    this.#stores = stores;
  }

  /** Loads the reference objects the changes touch and computes what they become. */
  static async prepare(
    stores: { content: ObjectStore; output: ObjectStore; state: ObjectStore },
    changes: readonly AssetRefChange[],
  ): Promise<AssetBatch> {
    const batch = new AssetBatch(stores);
    const byKey = new Map<string, AssetRefChange[]>();
    for (const change of changes) byKey.set(change.key, [...(byKey.get(change.key) ?? []), change]);
    const keys = [...byKey.keys()].sort();
    const loaded = await mapLimit(keys, IO_CONCURRENCY, (key) => readAssetState(stores.state, key));
    keys.forEach((key, i) => {
      const before = loaded[i] ?? null;
      batch.#before.set(key, before);
      batch.#after.set(key, applyAssetRefs(key, before, byKey.get(key) ?? []));
    });
    return batch;
  }

  /**
   * Publishes the bytes a reference now names and no reference named before. Bytes that changed since accept read
   * them are not published under the old name: the image's own change examines its articles again.
   */
  async publish(onWrite: (path: string) => void): Promise<void> {
    const todo: [string, string][] = [];
    for (const [key, after] of this.#after) {
      const before = livePaths(this.#before.get(key) ?? null);
      for (const path of livePaths(after)) if (!before.has(path)) todo.push([key, path]);
    }
    await mapLimit(todo, IO_CONCURRENCY, ([key, path]) => putImage(this.#stores, key, path, onWrite));
  }

  /** Deletes the published bytes no reference names any more, then stores the reference objects that changed. */
  async settle(onDelete: (path: string) => void): Promise<void> {
    const gone: string[] = [];
    for (const [key, after] of this.#after) {
      const now = livePaths(after);
      for (const path of livePaths(this.#before.get(key) ?? null)) if (!now.has(path)) gone.push(path);
    }
    await mapLimit(gone, IO_CONCURRENCY, async (path) => {
      await this.#stores.output.delete(path);
      onDelete(path);
    });
    await mapLimit([...this.#after], IO_CONCURRENCY, async ([key, after]) => {
      const before = this.#before.get(key) ?? null;
      if (JSON.stringify(before) === JSON.stringify(after)) return;
      if (after === null) await this.#stores.state.delete(assetStateKey(key));
      else await this.#stores.state.put(assetStateKey(key), `${JSON.stringify(after)}\n`, JSON_TYPE);
    });
  }
}
