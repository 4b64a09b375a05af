/**
 * Topic names whose slugs could collide: "C++" and "C" are distinct topics with distinct collections; names that
 * differ only in accents or case ("Économie", "economie") are one topic, shown under the spelling of the article
 * last added to or edited in it (docs/ARCHITECTURE.md, "Topic collections").
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { publish } from '../../functions/pipeline/publish.ts';
import { TEST_SITE, Workspace } from '../helpers/workspace.ts';

let ws: Workspace;
afterEach(async () => {
  await ws.dispose();
});

function article(title: string, date: string, tags: string[]): string {
  return `---\ntitle: ${JSON.stringify(title)}\ndate: "${date}"\ntags: ${JSON.stringify(tags)}\n---\n\nAbout ${title}.\n`;
}

async function feedTitles(path: string): Promise<string[]> {
  const json = JSON.parse(await readFile(join(ws.outDir, path), 'utf8')) as { items: { title: string }[] };
  return json.items.map((item) => item.title).sort();
}

describe('topic slugs', () => {
  it('keep C++, C# and C apart, and file Économie and economie together under the latest spelling', async () => {
    ws = await Workspace.create(TEST_SITE);
    await ws.write('cpp.md', article('Modules in C++', '2025-05-01T09:00:00Z', ['C++']));
    await ws.write('csharp.md', article('Records in C#', '2025-05-02T09:00:00Z', ['C#']));
    await ws.write('c.md', article('Undefined behaviour in C', '2025-05-03T09:00:00Z', ['C']));
    await ws.write('eco-1.md', article('Budget vote', '2025-05-04T09:00:00Z', ['Économie']));
    await ws.write('eco-2.md', article('Rates held', '2025-05-05T09:00:00Z', ['economie']));
    await publish(ws.stores());

    expect(await feedTitles('tags/c-plus-plus/feed.json')).toEqual(['Modules in C++']);
    expect(await feedTitles('tags/c-sharp/feed.json')).toEqual(['Records in C#']);
    expect(await feedTitles('tags/c/feed.json')).toEqual(['Undefined behaviour in C']);
    expect(await feedTitles('tags/economie/feed.json')).toEqual(['Budget vote', 'Rates held']);
    const cpp = await readFile(join(ws.outDir, 'articles/cpp.html'), 'utf8');
    expect(cpp).toContain('tags/c-plus-plus/');
    expect(cpp).not.toMatch(/tags\/c\/"/);

    const before = await readFile(join(ws.outDir, 'tags/economie/index.html'), 'utf8');
    const shown = before.includes('Tag: Économie') ? 'Économie' : 'economie';
    expect(before).toContain(`Tag: ${shown}`);
    // Editing the article with the other spelling makes the topic shown under that one.
    const other = shown === 'Économie' ? 'eco-2.md' : 'eco-1.md';
    const spelling = shown === 'Économie' ? 'economie' : 'Économie';
    const title = other === 'eco-1.md' ? 'Budget vote' : 'Rates held';
    const date = other === 'eco-1.md' ? '2025-05-04T09:00:00Z' : '2025-05-05T09:00:00Z';
    await ws.write(other, article(title, date, [spelling]).replace('About', 'More about'));
    ws.clock.advance(60_000);
    await publish(ws.stores());
    const after = await readFile(join(ws.outDir, 'tags/economie/index.html'), 'utf8');
    expect(after).toContain(`Tag: ${spelling}`);
    expect(await feedTitles('tags/economie/feed.json')).toEqual(['Budget vote', 'Rates held']);
  });
});
