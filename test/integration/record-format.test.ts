/**
 * Article records in format 3 store each live article without the fields the record already holds, and records
 * of format 2 — written by the previous release (test/fixtures/record-format-2) — keep loading with no migration
 * pass: read as the same records, an unchanged rebuild rewrites nothing, the pages render to the same bytes, an
 * edit rewrites only the edited record (in format 3), and a tombstone of format 2 still restores with its identity.
 */
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NORMALIZER_VERSION } from '../../functions/core/normalize/version.ts';
import { type LiveRecord, parseArticleRecord, RECORD_FORMAT, serializeRecord } from '../../functions/core/records.ts';
import { recordKey } from '../../functions/core/state-keys.ts';
import { publish } from '../../functions/pipeline/publish.ts';
import { ManualClock, markdownArticle, readTree, Workspace } from '../helpers/workspace.ts';

const FIXTURE = new URL('../fixtures/record-format-2/', import.meta.url).pathname;

let ws: Workspace;
beforeEach(async () => {
  ws = await Workspace.create();
  await rm(ws.contentDir, { recursive: true, force: true });
  await cp(join(FIXTURE, 'content'), ws.contentDir, { recursive: true });
  await cp(join(FIXTURE, 'state'), ws.stateDir, { recursive: true });
  await cp(join(FIXTURE, 'output'), ws.outDir, { recursive: true });
  await pinNormalizer(ws.stateDir);
});

/**
 * The fixture's state names the NORMALIZER_VERSION it was written by; a later version re-normalizes every source
 * once (silently, and rewriting every record, whatever its format), which is not what these tests are about. Its
 * image-less articles normalize to the same articles under today's version, so the state is stamped with it.
 */
async function pinNormalizer(stateDir: string): Promise<void> {
  for (const key of ['state.json', 'records/budget.json', 'records/harbour.json']) {
    const path = join(stateDir, key);
    const text = await readFile(path, 'utf8');
    await writeFile(path, text.replace('"normalizer":"2"', `"normalizer":${JSON.stringify(NORMALIZER_VERSION)}`));
  }
}
afterEach(async () => {
  await ws.dispose();
});

const recordText = (id: string) => readFile(join(ws.stateDir, recordKey(id)), 'utf8');
const clock = new ManualClock('2025-12-02T00:00:00.000Z');
const run = () => publish({ ...ws.stores(), clock });

describe('article records', () => {
  it('read a format-2 record as the format-3 record it stands for, and write it back without the repeated fields', async () => {
    const text = await recordText('harbour');
    expect(JSON.parse(text)).toMatchObject({ format: 2, article: { id: 'harbour', source: 'articles/harbour.md' } });
    const record = parseArticleRecord(text, 'state', recordKey('harbour')) as LiveRecord;
    expect(record.format).toBe(RECORD_FORMAT);
    const older = JSON.parse(text) as { article: Record<string, unknown> };
    expect(record.article).toEqual(older.article);
    const written = serializeRecord(record);
    const stored = JSON.parse(written) as { format: number; article: Record<string, unknown> };
    expect(stored.format).toBe(3);
    for (const field of ['id', 'contentHash', 'source']) expect(stored.article).not.toHaveProperty(field);
    expect(written.length).toBeLessThan(text.length);
    const again = parseArticleRecord(written, 'state', recordKey('harbour'));
    expect(again).toEqual(record);
    // Field for field and in the same order as the article the source gives: a window or event serializes alike.
    expect(JSON.stringify((again as LiveRecord).article)).toBe(JSON.stringify(older.article));
  });

  it('refuse a format-3 record that repeats an article field, naming the key and the field', () => {
    const record = parseArticleRecord(
      serializeRecord(parseArticleRecord(`${JSON.stringify({ format: 2, ...sampleTombstone })}`, 's', 'r')),
      's',
      'r',
    );
    expect(record.state).toBe('deleted');
    const live = JSON.parse(serializeRecord(parseArticleRecord(liveText, 's', 'records/harbour.json'))) as {
      article: Record<string, unknown>;
    };
    live.article.id = 'harbour';
    expect(() => parseArticleRecord(JSON.stringify(live), 's', 'records/harbour.json')).toThrow(
      /s\/records\/harbour\.json: article record repeats "article\.id"/,
    );
  });

  it('of format 2 keep loading: an unchanged rebuild writes nothing, a re-render gives the same bytes', async () => {
    const before = await readTree(ws.stateDir);
    const output = await ws.outputFiles();
    const unchanged = await run();
    expect(unchanged.events).toEqual([]);
    expect(unchanged.problems).toEqual([]);
    expect(unchanged.written).toEqual([]);
    // Only the source index's revisions move (copying the fixture gave its files new inodes and times), and the
    // index's revision summary, which the fixture's release did not keep, is written by this first reconcile.
    const withoutIndex = (tree: Record<string, string>) =>
      Object.fromEntries(
        Object.entries(tree).filter(([key]) => !key.startsWith('sources/') && key !== 'source-revisions.json'),
      );
    expect(withoutIndex(await readTree(ws.stateDir))).toEqual(withoutIndex(before));
    // A wiped output root re-renders every page and feed from the records as stored.
    await rm(ws.outDir, { recursive: true, force: true });
    const rerendered = await run();
    expect(rerendered.events).toEqual([]);
    expect(rerendered.problems).toEqual([]);
    expect(await ws.outputFiles()).toEqual(output);
  });

  it('of format 2 are rewritten in format 3 only when they change; a format-2 tombstone restores its identity', async () => {
    const budget = await recordText('budget');
    const harbour = await readFile(join(ws.contentDir, 'articles', 'harbour.md'), 'utf8');
    await writeFile(join(ws.contentDir, 'articles', 'harbour.md'), `${harbour}\nA correction.\n`);
    await ws.write(
      'storm.md',
      markdownArticle('Storm warning', 'A storm is coming.', { date: '2025-03-03T06:00:00Z' }),
    );
    const result = await run();
    expect(result.problems).toEqual([]);
    expect(result.events.map((event) => [event.type, 'id' in event.data ? event.data.id : null])).toEqual(
      expect.arrayContaining([
        ['article.updated', 'harbour'],
        ['article.published', 'storm'],
      ]),
    );
    const storm = JSON.parse(await recordText('storm')) as { format: number; version: number; firstSeen: string };
    expect(storm).toMatchObject({ format: 3, version: 2, firstSeen: '2025-12-01T00:00:00.000Z' });
    const edited = JSON.parse(await recordText('harbour')) as { format: number; article: Record<string, unknown> };
    expect(edited.format).toBe(3);
    expect(edited.article).not.toHaveProperty('id');
    expect(await recordText('budget')).toBe(budget);
    expect(await readFile(join(ws.outDir, 'articles', 'harbour.html'), 'utf8')).toContain('A correction.');
  });
});

const sampleTombstone = {
  state: 'deleted',
  id: 'gone',
  claimants: [],
  contentHash: 'c0ffee',
  version: 1,
  firstSeen: '2025-12-01T00:00:00.000Z',
  published: '2025-03-03T06:00:00.000Z',
  updated: '2025-03-03T06:00:00.000Z',
};

const liveText = await readFile(join(FIXTURE, 'state', 'records', 'harbour.json'), 'utf8');
