/**
 * Local images published with the site (docs/ARCHITECTURE.md, "Images"): where an image's bytes are published, what
 * an article carries of them, and the reference state that decides when a published image goes. Pure: the pipeline
 * (publish/assets.ts) reads the bytes and the state objects.
 */
import type { Article, AssetInfo } from './article.ts';
import { sha256 } from './hash.ts';
import { IMAGE_SIZE_LIMIT, imageTypeOf, isPublishedImageType } from './media-types.ts';

/** Published images live under this output prefix, one folder per content hash. */
export const MEDIA_PREFIX = 'media/';

/** Hex digits of SHA-256 in a published image's path: 64 bits, collision-free for any archive. */
const HASH_DIGITS = 16;

/**
 * The output path of an image's bytes: `media/<hash>/<file name>`. The name keeps the URL readable (and its
 * extension gives the type); the hash makes a replaced image a new URL, which is what lets it be cached for a year.
 */
export function mediaPath(contentKey: string, hash: string): string {
  return `${MEDIA_PREFIX}${hash.slice(0, HASH_DIGITS)}/${contentKey.slice(contentKey.lastIndexOf('/') + 1)}`;
}

/** A key under `articles/` that is an image (a source of its own kind, not an article). */
export function isImageSourceKey(key: string): boolean {
  return imageTypeOf(key) !== null;
}

/** What publishing knows of one image's current bytes. */
export interface ImageFacts extends AssetInfo {
  readonly type: string;
  readonly length: number;
  readonly path: string;
  /** SHA-256 hex of the bytes. */
  readonly hash: string;
}

/** Width, height and type of image bytes, as `image-size` reads them (injected: core does no I/O and loads nothing). */
export type SizeReader = (bytes: Uint8Array) => { width?: number; height?: number; type?: string };

/**
 * The facts of an image's bytes, or the reason it is not published: too large, SVG, or not an image of its type.
 * `key` is its content key (the type comes from its extension, checked against its bytes).
 */
export function describeImage(key: string, bytes: Uint8Array, readSize: SizeReader): ImageFacts | { reason: string } {
  const type = imageTypeOf(key);
  if (type === null) return { reason: 'not an image type wirefeed publishes' };
  if (!isPublishedImageType(type)) return { reason: 'SVG is not published (it can carry script); shown as written' };
  if (bytes.byteLength > IMAGE_SIZE_LIMIT) {
    return { reason: `image is ${bytes.byteLength} bytes, over the ${IMAGE_SIZE_LIMIT / 1024 / 1024} MiB limit` };
  }
  const expected = type.slice('image/'.length);
  let size: ReturnType<SizeReader>;
  try {
    size = readSize(bytes);
  } catch {
    // image-size throws on bytes of no type it knows (a truncated or misnamed file).
    return { reason: `not a readable ${expected} image` };
  }
  const found = size.type === 'jpg' ? 'jpeg' : size.type;
  if (found !== expected) return { reason: `image is not a ${expected} file (its bytes are ${found ?? 'unknown'})` };
  const hash = sha256(bytes);
  return {
    type,
    length: bytes.byteLength,
    ...(size.width === undefined || size.height === undefined ? {} : { width: size.width, height: size.height }),
    path: mediaPath(key, hash),
    hash,
  };
}

/** What an article carries of an image (`Article.media`): its facts without the hash (the path holds it). */
export function mediaEntry(facts: ImageFacts): AssetInfo {
  const { hash: _hash, ...info } = facts;
  return info;
}

/**
 * The article with its resolved media folded in: `media` set and `contentHash` covering it, so a replaced, added or
 * removed image is a change of the article (its page and feed items are rendered again). An article with no local
 * image is returned unchanged, so its hash is the normalizer's.
 */
export function withMedia(article: Article, media: Readonly<Record<string, AssetInfo>>): Article {
  if (article.assets.length === 0) return article;
  const sorted = Object.fromEntries(Object.entries(media).sort(([a], [b]) => (a < b ? -1 : 1)));
  return { ...article, media: sorted, contentHash: sha256(`${article.contentHash}\n${JSON.stringify(sorted)}`) };
}

/**
 * One article's reference to an image: the source that publishes the article, and the published path of the bytes it
 * shows (null: the image is missing or refused, and the article shows it as written).
 */
export interface AssetRef {
  readonly source: string;
  readonly path: string | null;
}

/** `assets/<hash of key>.json`: who references one image, by article id. */
export interface AssetState {
  readonly format: 1;
  readonly key: string;
  readonly refs: Readonly<Record<string, AssetRef>>;
}

/** A change of one article's reference to one image: set (`ref`) or removed (null). Applying it twice is a no-op. */
export interface AssetRefChange {
  readonly key: string;
  readonly id: string;
  readonly ref: AssetRef | null;
}

/** The state after `changes` (all for `state.key`); null when no article references the image any more. */
export function applyAssetRefs(
  key: string,
  state: AssetState | null,
  changes: readonly AssetRefChange[],
): AssetState | null {
  const refs: Record<string, AssetRef> = { ...(state?.refs ?? {}) };
  for (const change of changes) {
    if (change.ref === null) delete refs[change.id];
    else refs[change.id] = change.ref;
  }
  const ids = Object.keys(refs).sort();
  if (ids.length === 0) return null;
  return { format: 1, key, refs: Object.fromEntries(ids.map((id) => [id, refs[id] as AssetRef])) };
}

/** The published paths a state keeps alive (one per distinct hash its articles show). */
export function livePaths(state: AssetState | null): Set<string> {
  const paths = new Set<string>();
  for (const ref of Object.values(state?.refs ?? {})) if (ref.path !== null) paths.add(ref.path);
  return paths;
}

/** Validates a parsed `assets/…` object; the reason when it is not what wirefeed writes. */
export function parseAssetState(value: unknown): AssetState | string {
  const v = value as Partial<AssetState> | null;
  if (v === null || typeof v !== 'object' || v.format !== 1 || typeof v.key !== 'string') {
    return 'image references are not what wirefeed writes (format, key, refs)';
  }
  if (typeof v.refs !== 'object' || v.refs === null) return 'image references have no refs';
  for (const ref of Object.values(v.refs)) {
    if (typeof ref?.source !== 'string' || !(ref.path === null || typeof ref.path === 'string')) {
      return 'an image reference is not {source, path}';
    }
  }
  return v as AssetState;
}
