/**
 * A normalizer upgrade over records written in an older shape: every record is re-normalized silently (no event,
 * no `updated` moved, the same files), and a record whose article lacks a field this release's renderer reads never
 * reaches the renderer — the run re-normalizes it from its source first.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NORMALIZER_VERSION } from '../../functions/core/normalize.ts';
import { recordKey, STATE_KEY, windowKey } from '../../functions/core/state-keys.ts';
import { markdownArticle, Workspace } from '../helpers/workspace.ts';

let ws: Workspace;
beforeEach(async () => {
  ws = await Workspace.create();
});
afterEach(async () => {
  await ws.dispose();
});

async function tamper(key: string, edit: (value: Record<string, unknown>) => void): Promise<void> {
  const path = join(ws.stateDir, key);
  const value = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  edit(value);
  await writeFile(path, JSON.stringify(value));
}

/** What an earlier normalizer left: its version, and an article without the fields added since. */
async function olderShape(id: string): Promise<void> {
  await tamper(recordKey(id), (record) => {
    record.normalizer = 'previous';
    const article = record.article as Record<string, unknown>;
    for (const field of ['draft', 'image', 'assets', 'canonicalUrl', 'lang']) delete article[field];
  });
}

describe('a normalizer upgrade over records of an older shape', () => {
  it('re-normalizes every record silently: no event, no problem, no updated date moved, the same files', async () => {
    for (let i = 0; i < 3; i++) await ws.write(`a${i}.md`, markdownArticle(`A${i}`, `Body ${i}.`));
    await ws.publish();
    const before = await ws.outputFiles();
    const recordsBefore = await Promise.all(
      [0, 1, 2].map((i) => readFile(join(ws.stateDir, recordKey(`a${i}`)), 'utf8')),
    );
    for (let i = 0; i < 3; i++) await olderShape(`a${i}`);
    // The feed window keeps full articles too: as the earlier release stored them.
    await tamper(windowKey('site'), (window) => {
      for (const entry of window.entries as { article: Record<string, unknown> }[]) {
        for (const field of ['draft', 'image', 'assets', 'canonicalUrl', 'lang']) delete entry.article[field];
      }
    });
    // A renderer upgrade in the same release re-renders every page from the records.
    await tamper(STATE_KEY, (head) => Object.assign(head, { normalizer: 'previous', render: 'previous' }));

    ws.clock.advance(86_400_000);
    const result = await ws.publish();
    expect(result.written).toEqual(expect.arrayContaining(['articles/a0.html', 'feed.xml', 'feed.json']));
    expect(result.events).toEqual([]);
    expect(result.problems).toEqual([]);
    expect(result.rejected).toEqual([]);
    expect(await ws.outputFiles()).toEqual(before);
    for (let i = 0; i < 3; i++) {
      const record = await readFile(join(ws.stateDir, recordKey(`a${i}`)), 'utf8');
      expect(JSON.parse(record)).toMatchObject({ normalizer: NORMALIZER_VERSION });
      expect(record).toBe(recordsBefore[i]);
    }
  });
});
