/**
 * Link and image targets as an article writes them, turned into the model's `Href` (article.ts): an absolute URL
 * of an allowed scheme, a path from the site root, or a fragment. A relative reference is resolved against the
 * folder of the article's source, because `content/` is published as the site: `img/a.png` in
 * `articles/2024/story.md` is `/articles/2024/img/a.png` on the site, and `/about.html` is the site's own page.
 * Links may use any scheme (`tel:`, `irc:`, `geo:`…) except those that run script, reach the reader's own files or
 * browser internals, or launch Windows handlers known to be abused (`REFUSED_LINK_SCHEMES`); images only `http:` and
 * `https:`. A refused target keeps its words and loses the link.
 */
const MAX_URL_CHARS = 2048;
const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):/;
/** Schemes no link may use: they run script (`javascript:`, `data:` HTML), or reach local files and browser internals. */
const REFUSED_LINK_SCHEMES = new Set([
  'javascript',
  'vbscript',
  'livescript',
  'data',
  'file',
  'blob',
  'filesystem',
  'jar',
  'view-source',
  'about',
  'chrome',
  'chrome-extension',
  'moz-extension',
  'resource',
  'search',
  'search-ms',
]);
const IMAGE_SCHEMES = new Set(['http', 'https']);

function isAllowedLinkScheme(scheme: string): boolean {
  // `ms-msdt:`, `ms-officecmd:` and their kin open Windows applications with arguments from the URL.
  return !REFUSED_LINK_SCHEMES.has(scheme) && !scheme.startsWith('ms-');
}
/** A base that exists only to resolve relative references; its host never appears in a result. */
const CONTENT_ORIGIN = 'https://content.invalid';

/** The folder of a content key with a trailing slash, e.g. `articles/2024/` for `articles/2024/story.md`. */
function folderOf(source: string): string {
  const slash = source.lastIndexOf('/');
  return slash === -1 ? '' : source.slice(0, slash + 1);
}

function resolve(raw: string, source: string, allowed: (scheme: string) => boolean): string | null {
  const ref = raw.trim();
  if (ref.length > MAX_URL_CHARS) return null;
  const scheme = SCHEME.exec(ref)?.[1]?.toLowerCase();
  if (scheme !== undefined) {
    if (!allowed(scheme)) return null;
    if (scheme === 'http' || scheme === 'https') {
      const url = URL.canParse(ref) ? new URL(ref) : null;
      if (url === null || url.hostname === '') return null;
    } else if (ref.length === scheme.length + 1) {
      return null;
    }
    return ref;
  }
  // Protocol-relative (`//host/x`): the site is served over HTTPS, so is the target.
  if (ref.startsWith('//')) return resolve(`https:${ref}`, source, allowed);
  let url: URL;
  try {
    url = new URL(ref, `${CONTENT_ORIGIN}/${folderOf(source)}`);
  } catch {
    return null;
  }
  if (url.origin !== CONTENT_ORIGIN) return null;
  return `${url.pathname}${url.search}${url.hash}`;
}

/**
 * A link target as the model keeps it, or null when it is refused (a refused scheme, too long). Fragments
 * (`#notes`) and the empty reference (this document) stay as they are; other relative references become paths
 * from the site root.
 *
 * @param raw the destination as the Markdown parser read it (entities decoded, percent-encoded)
 * @param source the article's content key, e.g. `articles/2024/story.md`
 */
export function resolveLinkTarget(raw: string, source: string): string | null {
  const ref = raw.trim();
  if (ref === '' || ref.startsWith('#')) return ref.length > MAX_URL_CHARS ? null : ref;
  return resolve(ref, source, isAllowedLinkScheme);
}

/**
 * An image source as the model keeps it: an absolute http(s) URL, or a path from the site root for an image under
 * `content/`; null when refused (`data:`, `javascript:`, any other scheme, a bare fragment).
 */
export function resolveImageSource(raw: string, source: string): string | null {
  const ref = raw.trim();
  if (ref === '' || ref.startsWith('#')) return null;
  return resolve(ref, source, (scheme) => IMAGE_SCHEMES.has(scheme));
}
