/**
 * The published state: what the last build published, kept in the state store as `manifest.json`.
 * The next build diffs against it to write only changed bytes and to announce exactly what changed.
 */

export const MANIFEST_VERSION = 1;

/** What the state remembers of one published article (enough for events, the index and ordering). */
export interface ArticleRecord {
  readonly id: string;
  readonly source: string;
  readonly contentHash: string;
  /** First time the pipeline saw this id; kept across rebuilds. */
  readonly firstSeen: string;
  /** Resolved publication date (source date, else firstSeen). */
  readonly published: string;
  /** Resolved update date (source `updated`, else the build that last changed the content hash). */
  readonly updated: string;
  readonly title: string;
  readonly summary: string;
  readonly authors: readonly string[];
  readonly category: string | null;
  /** State-store key of the cache chunk holding the normalized article. */
  readonly cache?: string;
}

/** What the state remembers of one source file. */
export interface SourceRecord {
  /** ETag (MD5) of the source bytes when last read. */
  readonly etag: string;
  /** Size and modification time (ms) when last seen: equal values skip re-reading the source. */
  readonly size?: number;
  readonly modified?: number;
  /** The article id it produced last time it normalized successfully. */
  readonly id: string | null;
  /** Why it was rejected last time, when it was. */
  readonly error?: string;
}

export interface Manifest {
  readonly version: number;
  /** Changes whenever the renderer's output format changes, forcing a full re-render. */
  readonly renderVersion: string;
  /** sha256 of the parsed site configuration; a change re-renders everything. */
  readonly siteHash: string;
  readonly sources: Readonly<Record<string, SourceRecord>>;
  readonly articles: Readonly<Record<string, ArticleRecord>>;
  /** sha256 of each published file's bytes, by output path. */
  readonly files: Readonly<Record<string, string>>;
}

export function emptyManifest(): Manifest {
  return {
    version: MANIFEST_VERSION,
    renderVersion: '',
    siteHash: '',
    sources: {},
    articles: {},
    files: {},
  };
}

/** Parses `manifest.json`; anything unrecognisable is an Error naming the reason (the state is not guessed at). */
export function parseManifest(text: string, location: string): Manifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`${location}: manifest is not valid JSON`, { cause: error });
  }
  const m = value as Partial<Manifest> | null;
  if (
    typeof m !== 'object' ||
    m === null ||
    m.version !== MANIFEST_VERSION ||
    typeof m.sources !== 'object' ||
    typeof m.articles !== 'object' ||
    typeof m.files !== 'object'
  ) {
    throw new Error(`${location}: not a wirefeed manifest of version ${MANIFEST_VERSION}`);
  }
  return {
    version: m.version,
    renderVersion: typeof m.renderVersion === 'string' ? m.renderVersion : '',
    siteHash: typeof m.siteHash === 'string' ? m.siteHash : '',
    sources: m.sources ?? {},
    articles: m.articles ?? {},
    files: m.files ?? {},
  };
}

/** Serializes with sorted keys so identical state gives identical bytes. */
export function serializeManifest(manifest: Manifest): string {
  const sortKeys = <T>(record: Readonly<Record<string, T>>): Record<string, T> =>
    Object.fromEntries(
      Object.keys(record)
        .sort()
        .map((k) => [k, record[k] as T]),
    );
  return `${JSON.stringify({
    version: manifest.version,
    renderVersion: manifest.renderVersion,
    siteHash: manifest.siteHash,
    sources: sortKeys(manifest.sources),
    articles: sortKeys(manifest.articles),
    files: sortKeys(manifest.files),
  })}\n`;
}
