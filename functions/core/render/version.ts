/**
 * Version of the rendered output. Bump it whenever a renderer's output changes for the same articles and site: the
 * pipeline then re-renders every published file once, silently (no article event, no `updated` change).
 *
 * 2: bodies rendered from the document model (code, tables, images, footnotes…); lead images in the feeds;
 * page dates in the site's time zone.
 * 3: a paged archive (`archive/<n>.html`, the newest page also as `index.html`) instead of one index of everything.
 * 4: topic collections, RFC 5005 archive documents and JSON Feed paging, topic links, dark mode, link previews,
 * `404.html`.
 *
 * In its own module so a publish run can plan (compare versions) without loading the renderers.
 */
export const RENDER_VERSION = '4';
