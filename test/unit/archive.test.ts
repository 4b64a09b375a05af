import { describe, expect, it } from 'vitest';
import {
  type ArchiveDelta,
  type ArchiveDirectory,
  ArchiveEditor,
  type ArchiveEntry,
  compareNewestFirst,
  EMPTY_DIRECTORY,
  pageIndexFor,
} from '../../functions/core/archive.ts';

const LIMITS = { pageSize: 4, windowSize: 3 };

/** Article n, published n hours after the epoch of the test. */
function entry(n: number, extra: Partial<ArchiveEntry> = {}): ArchiveEntry {
  const published = new Date(Date.UTC(2026, 0, 1) + n * 3_600_000).toISOString();
  return {
    id: `a${String(n).padStart(3, '0')}`,
    published,
    title: `Article ${n}`,
    summary: '',
    authors: [],
    updated: published,
    contentHash: `h${n}`,
    ...extra,
  };
}
const add = (n: number): ArchiveDelta => ({ id: entry(n).id, before: null, after: entry(n) });

/** An in-memory store of page versions, as the pipeline keeps them in the state store. */
class Pages {
  readonly stored = new Map<string, ArchiveEntry[]>();
  writes = 0;
  directory: ArchiveDirectory = EMPTY_DIRECTORY;

  run(deltas: readonly ArchiveDelta[], limits = LIMITS): { written: number[]; dirty: number[] } {
    const editor = new ArchiveEditor(this.directory, limits);
    const byNumber = new Map(this.directory.pages.map((page) => [page.number, page.version]));
    const loadAll = (numbers: number[]) => {
      for (const n of numbers) editor.load(n, this.stored.get(byNumber.get(n) ?? '') ?? []);
    };
    loadAll(editor.pagesNeeded(deltas));
    editor.apply(deltas);
    const written = editor.settle();
    for (const n of written) {
      const version = `${n}-v${this.writes++}`;
      this.stored.set(version, [...editor.entriesOf(n)]);
      editor.setVersion(n, version);
    }
    loadAll(editor.windowPagesNeeded());
    const directory = editor.directory();
    const dirty = directory.pages.filter((page) => page.dirty).map((page) => page.number);
    for (const n of dirty) editor.setRendered(n, 'html');
    this.directory = editor.directory();
    return { written: written.sort((a, b) => a - b), dirty };
  }

  entries(number: number): string[] {
    const page = this.directory.pages.find((p) => p.number === number);
    return (this.stored.get(page?.version ?? '') ?? []).map((e) => e.id);
  }

  layout(): [number, number][] {
    return this.directory.pages.map((page) => [page.number, page.count]);
  }
}

describe('the paged archive', () => {
  it('updates an edited window article in place, reading no older page, with the window a recompute gives', () => {
    const pages = new Pages();
    // Pages of 4: the open page holds two entries, fewer than the window of three.
    pages.run(Array.from({ length: 10 }, (_, i) => add(i)));
    const edited = entry(9, { updated: '2026-02-01T00:00:00.000Z', contentHash: 'h9-edited' });
    const edit: ArchiveDelta = { id: edited.id, before: entry(9), after: edited };
    const editor = new ArchiveEditor(pages.directory, LIMITS);
    expect(editor.pagesNeeded([edit])).toEqual([3]);
    editor.load(3, pages.stored.get(pages.directory.pages[2]?.version ?? '') ?? []);
    editor.apply([edit]);
    editor.settle();
    expect(editor.windowPagesNeeded()).toEqual([]);
    // The same edit on a directory with no window: recomputed from the newest pages (2 and 3).
    const recompute = new ArchiveEditor({ ...pages.directory, window: [] }, LIMITS);
    for (const page of pages.directory.pages) recompute.load(page.number, pages.stored.get(page.version) ?? []);
    recompute.apply([edit]);
    recompute.settle();
    expect(editor.directory().window).toEqual(recompute.directory().window);
    expect(editor.directory().window[0]).toMatchObject({ id: 'a009', contentHash: 'h9-edited' });
  });

  it('lays a first import out oldest first in full pages, the newest page open', () => {
    const pages = new Pages();
    pages.run(Array.from({ length: 10 }, (_, i) => add(i)));
    expect(pages.layout()).toEqual([
      [1, 4],
      [2, 4],
      [3, 2],
    ]);
    expect(pages.entries(1)).toEqual(['a003', 'a002', 'a001', 'a000']);
    expect(pages.entries(3)).toEqual(['a009', 'a008']);
    expect(pages.directory.window.map((w) => w.id)).toEqual(['a009', 'a008', 'a007']);
  });

  it('puts a new article on the open page only, and seals it into a new page without touching older ones', () => {
    const pages = new Pages();
    pages.run(Array.from({ length: 10 }, (_, i) => add(i)));
    expect(pages.run([add(10)])).toEqual({ written: [3], dirty: [3] });
    expect(pages.run([add(11)])).toEqual({ written: [3], dirty: [3] });
    // The open page is full: the next article opens page 4; page 3 is rewritten once (its new "newer" link).
    expect(pages.run([add(12)])).toEqual({ written: [3, 4], dirty: [3, 4] });
    expect(pages.layout()).toEqual([
      [1, 4],
      [2, 4],
      [3, 4],
      [4, 1],
    ]);
  });

  it('rewrites only the page that holds an edited article', () => {
    const pages = new Pages();
    pages.run(Array.from({ length: 12 }, (_, i) => add(i)));
    const edited = entry(5, { title: 'Corrected', contentHash: 'h5b' });
    expect(pages.run([{ id: edited.id, before: entry(5), after: edited }])).toEqual({ written: [2], dirty: [2] });
  });

  it('lands a backdated article on the page covering its date, and splits a page that grows past twice the size', () => {
    const pages = new Pages();
    pages.run(Array.from({ length: 12 }, (_, i) => add(100 + i)));
    expect(pages.run([add(1)])).toEqual({ written: [1], dirty: [1] });
    expect(pages.entries(1).at(-1)).toBe('a001');
    // Four more backdated ones overflow page 1 (9 > 8): it splits; page 2 is re-rendered for its new older link.
    const { written, dirty } = pages.run([add(2), add(3), add(4), add(5)]);
    expect(written).toEqual([1, 4]);
    expect(dirty).toEqual([1, 4, 2]);
    expect(pages.directory.pages.map((p) => p.number)).toEqual([1, 4, 2, 3]);
    expect(pages.entries(1)).toEqual(['a004', 'a003', 'a002', 'a001']);
    expect(pages.entries(4)).toEqual(['a103', 'a102', 'a101', 'a100', 'a005']);
  });

  it('keeps a page emptied by deletions, so its links keep working, and refills the feed window', () => {
    const pages = new Pages();
    pages.run(Array.from({ length: 9 }, (_, i) => add(i)));
    const remove = (n: number): ArchiveDelta => ({ id: entry(n).id, before: entry(n), after: null });
    pages.run([remove(4), remove(5), remove(6), remove(7), remove(8)]);
    expect(pages.layout()).toEqual([
      [1, 4],
      [2, 0],
      [3, 0],
    ]);
    expect(pages.directory.window.map((w) => w.id)).toEqual(['a003', 'a002', 'a001']);
  });

  it('moves an article whose date changes, and replaying the same deltas changes nothing more', () => {
    const pages = new Pages();
    pages.run(Array.from({ length: 12 }, (_, i) => add(i)));
    const moved: ArchiveDelta = {
      id: 'a010',
      before: entry(10),
      after: { ...entry(10), published: entry(0).published },
    };
    pages.run([moved]);
    const layout = pages.layout();
    const all = pages.directory.pages.flatMap((p) => pages.entries(p.number));
    expect(all.filter((id) => id === 'a010')).toHaveLength(1);
    expect(pages.entries(1)).toContain('a010');
    pages.run([moved]);
    expect(pages.layout()).toEqual(layout);
  });

  it('finds the page covering a key by its lower boundary, ties ordered by id', () => {
    const pages = new Pages();
    pages.run(Array.from({ length: 10 }, (_, i) => add(i)));
    const dir = pages.directory.pages;
    expect(pageIndexFor(dir, entry(0))).toBe(0);
    expect(pageIndexFor(dir, { published: '2020-01-01T00:00:00.000Z', id: 'x' })).toBe(0);
    expect(pageIndexFor(dir, entry(4))).toBe(1);
    expect(pageIndexFor(dir, { published: '2030-01-01T00:00:00.000Z', id: 'x' })).toBe(2);
    expect(compareNewestFirst({ published: 'b', id: 'a' }, { published: 'b', id: 'b' })).toBeLessThan(0);
  });
});
