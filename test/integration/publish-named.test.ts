/**
 * Publishing the keys a watcher or an S3 event names: the cost of a one-article edit does not grow with the
 * corpus, and the result is the same as a full reconcile's.
 */
import { readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FsStore } from '../../functions/adapters/fs-store.ts';
import { NORMALIZER_VERSION } from '../../functions/core/normalize.ts';
import { recordKey, STATE_KEY } from '../../functions/core/state-keys.ts';
import { publish } from '../../functions/pipeline/publish.ts';
import { CountingStore } from '../helpers/counting-store.ts';
import { markdownArticle, readTree, TEST_SITE, Workspace, webhookJobs } from '../helpers/workspace.ts';

const dated = (i: number) =>
  `2025-12-31T${String(Math.floor(i / 60) % 24).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:00Z`;
const name = (i: number) => `n${String(i).padStart(4, '0')}.md`;
/**
 * A category, two tags and an author, as newsroom articles have: topic feeds are on by default. Every topic holds
 * more than a sealed page (100) at both sizes, so an old article is on a sealed page of each of its topics at both.
 */
const topics = (i: number) => ({
  date: dated(i),
  category: `Desk ${i % 2}`,
  tags: `beat ${(i >> 1) % 2}, wire`,
  author: `Writer ${(i >> 2) % 2}`,
});
/** Output directories of the topic collections of article i. */
const topicDirs = (i: number) => [
  `categories/desk-${i % 2}/`,
  `tags/beat-${(i >> 1) % 2}/`,
  'tags/wire/',
  `authors/writer-${(i >> 2) % 2}/`,
];

async function corpus(size: number): Promise<Workspace> {
  const ws = await Workspace.create();
  for (let i = 0; i < size; i++) {
    await ws.write(name(i), markdownArticle(`News ${i}`, `Body ${i}.`, topics(i)));
  }
  await ws.publish();
  return ws;
}

describe('a named-key publish', () => {
  it('reads and writes the same number of objects for a one-article edit with topics at 250 and at 500 articles', async () => {
    const counts: Record<string, Record<string, unknown>> = {};
    for (const size of [250, 500]) {
      const ws = await corpus(size);
      try {
        // The newest article (in the feed window, on the open page) and an old one (on a sealed archive page).
        for (const [edit, i] of [
          ['newest', size - 1],
          ['archived', 5],
        ] as const) {
          await ws.write(name(i), markdownArticle(`News ${i}`, 'Corrected body.', topics(i)));
          const stores = {
            content: new CountingStore(new FsStore(ws.contentDir)),
            output: new CountingStore(new FsStore(ws.outDir)),
            state: new CountingStore(new FsStore(ws.stateDir)),
          };
          const result = await publish({ ...ws.stores(), ...stores }, { changed: [`articles/${name(i)}`] });
          const types = result.events.map((e) => e.type);
          // An edit on a sealed page changes its archive documents, so feed.updated names them (and nothing else).
          expect(types, edit).toEqual(['article.updated', 'feed.updated']);
          // Outside its topics' directories the edit writes what it would without topics; inside, only theirs.
          const inTopics = (path: string) => topicDirs(i).some((dir) => path.startsWith(dir));
          const siteWritten = [...result.written].filter((path) => !inTopics(path)).sort();
          expect(result.written.filter((path) => /^(categories|tags|authors)\//.test(path)).every(inTopics)).toBe(true);
          // The newest article's body is in every current document of every collection it is in.
          if (edit === 'newest') {
            for (const dir of ['', ...topicDirs(i)]) {
              for (const f of ['atom.xml', 'feed.json', 'feed.xml']) expect(result.written).toContain(`${dir}${f}`);
            }
          }
          if (edit === 'archived') {
            const documents = ['atom.xml', 'feed.json', 'feed.xml'].map((f) => `archive/1/${f}`);
            expect(siteWritten).toEqual(['archive/1.html', ...documents, `articles/n0005.html`]);
            const feedUpdated = result.events.find((e) => e.type === 'feed.updated');
            const changed = (feedUpdated?.data as { changedFeeds?: string[] } | undefined)?.changedFeeds ?? [];
            expect(changed.filter((url) => !inTopics(url.slice('https://news.example.com/'.length)))).toEqual(
              documents.map((path) => `https://news.example.com/${path}`),
            );
          }
          const total = Object.values(stores).reduce(
            (sum, store) => sum + Object.values(store.counts).reduce((a, b) => a + b, 0),
            0,
          );
          counts[`${edit} ${size}`] = {
            content: { ...stores.content.counts },
            output: { ...stores.output.counts },
            state: { ...stores.state.counts },
            total,
          };
        }
      } finally {
        await ws.dispose();
      }
    }
    expect(counts['newest 500']).toEqual(counts['newest 250']);
    expect(counts['archived 500']).toEqual(counts['archived 250']);
    // Without topics these edits stay within 30 requests; each topic the article is in adds at most its four changed
    // files (three feed documents, and an archive page when the edit is on one) and six state requests (directory
    // read, page read and stored, window read and stored, directory stored). The goal of 30 for the whole edit with
    // topics is not reached yet (docs/ARCHITECTURE.md, "Cost of an edit").
    const bound = 30 + topicDirs(0).length * (4 + 6);
    expect(counts['newest 250']?.total).toBeLessThanOrEqual(bound);
    expect(counts['archived 250']?.total).toBeLessThanOrEqual(bound);
  }, 60_000);

  it('converges to the files, records and event ids of full reconciles through the same history', async () => {
    const reconciled = await Workspace.create();
    const named = await Workspace.create();
    try {
      const steps: [string, (ws: Workspace) => Promise<void>, string[]][] = [
        [
          'add five',
          async (ws) => {
            for (let i = 0; i < 5; i++) await ws.write(`a${i}.md`, markdownArticle(`A${i}`, `Body ${i}.`));
          },
          ['site.json', 'articles/a0.md', 'articles/a1.md', 'articles/a2.md', 'articles/a3.md', 'articles/a4.md'],
        ],
        ['edit', (ws) => ws.write('a1.md', markdownArticle('A1', 'Edited.')), ['articles/a1.md']],
        ['delete', (ws) => ws.remove('a2.md'), ['articles/a2.md']],
        ['duplicate id', (ws) => ws.write('z.md', markdownArticle('Z', 'Same id.', { id: 'a3' })), ['articles/z.md']],
        ['owner goes', (ws) => ws.remove('a3.md'), ['articles/a3.md']],
        ['invalid', (ws) => ws.write('a4.md', '   \n'), ['articles/a4.md']],
        [
          'site change',
          (ws) => writeFile(join(ws.contentDir, 'site.json'), JSON.stringify({ ...TEST_SITE, title: 'Renamed' })),
          ['site.json'],
        ],
      ];
      for (const [step, change, keys] of steps) {
        for (const ws of [reconciled, named]) {
          await change(ws);
          ws.clock.advance(60_000);
        }
        const a = await reconciled.publish();
        const b = await publish(named.stores(), { changed: keys });
        expect(
          b.events.map((e) => e.id),
          step,
        ).toEqual(a.events.map((e) => e.id));
        expect(await named.outputFiles(), step).toEqual(await reconciled.outputFiles());
      }
      const records = async (ws: Workspace) => readTree(join(ws.stateDir, 'records'));
      expect(await records(named)).toEqual(await records(reconciled));
      expect(webhookJobs(named.queue.jobs).map((j) => j.event)).toEqual(
        webhookJobs(reconciled.queue.jobs).map((j) => j.event),
      );
    } finally {
      await reconciled.dispose();
      await named.dispose();
    }
  });
});

describe('sources that are not plain files', () => {
  it('lists a symbolic link under articles/ as rejected with the reason, and never publishes its target', async () => {
    const ws = await Workspace.create();
    try {
      await writeFile(join(ws.root, 'secret.md'), markdownArticle('Secret', 'Not for publishing.'));
      await symlink(join(ws.root, 'secret.md'), join(ws.contentDir, 'articles', 'linked.md'));
      await ws.write('real.md', markdownArticle('Real', 'Published.'));
      const result = await ws.publish();
      expect(result.rejected).toEqual([{ file: 'articles/linked.md', reason: expect.stringMatching(/symbolic link/) }]);
      expect(Object.keys(await ws.outputFiles())).not.toContain('articles/linked.html');
      expect(JSON.stringify(await ws.outputFiles())).not.toContain('Not for publishing');
      // Named by a watcher, it is rejected the same way.
      const named = await publish(ws.stores(), { changed: ['articles/linked.md'] });
      expect(named.rejected).toEqual(result.rejected);
    } finally {
      await ws.dispose();
    }
  });
});

describe('an upgrade of the normalizer or the renderer', () => {
  async function tamper(ws: Workspace, edit: (value: Record<string, unknown>) => void, key: string) {
    const path = join(ws.stateDir, key);
    const value = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    edit(value);
    await writeFile(path, JSON.stringify(value));
  }

  it('re-normalizes silently: records and pages updated, no event, no updated date moved', async () => {
    const ws = await Workspace.create();
    try {
      await ws.write('a.md', markdownArticle('A', 'Body.'));
      await ws.publish();
      const before = await ws.outputFiles();
      // As a previous normalizer would have left it: another version, another hash, other text.
      await tamper(ws, (head) => Object.assign(head, { normalizer: 'previous' }), STATE_KEY);
      await tamper(
        ws,
        (record) => {
          const article = record.article as Record<string, unknown>;
          // The article's content hash is the record's (format 3 stores it once).
          Object.assign(record, { normalizer: 'previous', contentHash: 'old-hash' });
          Object.assign(article, { title: 'A (old normalizer)' });
        },
        recordKey('a'),
      );
      ws.clock.advance(86_400_000);
      const result = await ws.publish();
      expect(result.events).toEqual([]);
      const record = JSON.parse(await readFile(join(ws.stateDir, recordKey('a')), 'utf8'));
      expect(record).toMatchObject({ normalizer: NORMALIZER_VERSION, version: 1, updated: '2026-01-01T00:00:00.000Z' });
      expect(record.contentHash).not.toBe('old-hash');
      expect(await ws.outputFiles()).toEqual(before);
    } finally {
      await ws.dispose();
    }
  });

  it('re-renders every page once after a renderer change, announcing nothing when the feeds come out the same', async () => {
    const ws = await Workspace.create();
    try {
      await ws.write('a.md', markdownArticle('A', 'Body.'));
      await ws.write('b.md', markdownArticle('B', 'Body.'));
      await ws.publish();
      await tamper(ws, (head) => Object.assign(head, { render: 'previous' }), STATE_KEY);
      await rm(join(ws.outDir, 'articles', 'a.html'));
      const result = await ws.publish();
      expect(result.events).toEqual([]);
      expect(result.written).toEqual(expect.arrayContaining(['articles/a.html', 'articles/b.html', 'index.html']));
      const again = await ws.publish();
      expect(again.written).toEqual([]);
    } finally {
      await ws.dispose();
    }
  });
});
