/** Media types by file extension, shared by the directory store, the published-file rules and the media rules. */
const IMAGE_TYPES: Record<string, string> = {
  avif: 'image/avif',
  gif: 'image/gif',
  jpeg: 'image/jpeg',
  jpg: 'image/jpeg',
  png: 'image/png',
  svg: 'image/svg+xml',
  webp: 'image/webp',
};

const TYPES_BY_EXTENSION: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  xml: 'application/xml; charset=utf-8',
  json: 'application/json; charset=utf-8',
  jsonl: 'application/jsonl; charset=utf-8',
  css: 'text/css; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
  md: 'text/markdown; charset=utf-8',
  ico: 'image/x-icon',
  ...IMAGE_TYPES,
};

/**
 * Images are published under a path that names their bytes (`media/<hash>/<name>`, core/assets.ts): a replaced
 * image gets a new URL, so the bytes at one URL never change and a year's cache is safe.
 */
export const IMAGE_CACHE_CONTROL = 'public, max-age=31536000, immutable';

/** Largest image file published (20 MiB): a bigger one is refused with a warning and shown as written. */
export const IMAGE_SIZE_LIMIT = 20 * 1024 * 1024;

/**
 * True for an image type wirefeed publishes. SVG is not: it is a document that can carry script, and served from the
 * site's origin a reader who opens it runs that script there; an SVG under `content/` is shown as written.
 */
export function isPublishedImageType(type: string): boolean {
  return type !== 'image/svg+xml';
}

function extensionOf(key: string): string {
  const name = key.slice(key.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  return dot === -1 ? '' : name.slice(dot + 1).toLowerCase();
}

/** The media type a key's extension implies, or `application/octet-stream`. */
export function contentTypeByExtension(key: string): string {
  return TYPES_BY_EXTENSION[extensionOf(key)] ?? 'application/octet-stream';
}

/** The image media type a path's extension implies (`image/png`…), or null when it is not an image wirefeed serves. */
export function imageTypeOf(path: string): string | null {
  return IMAGE_TYPES[extensionOf(path)] ?? null;
}
