/**
 * The pages in a real headless browser (Debian's chromium through playwright-core, no browser download): the home
 * page, an article with a wide image, a wide table and a long code line, a topic page, an archive page and the 404
 * page, at desktop (1280) and phone (390) widths, in light and dark colour schemes. Fails on horizontal overflow or
 * on styles that did not apply. Screenshots go to test/interop/.screenshots/ (git-ignored).
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, serveDirectory } from '../../functions/adapters/http-server.ts';
import { Workspace } from '../helpers/workspace.ts';

const CHROMIUM = '/usr/bin/chromium';
const present = existsSync(CHROMIUM);
if (!present)
  console.warn(`skipping the browser checks of the pages: ${CHROMIUM} is not installed (apt-get install chromium)`);

const SHOTS = join(import.meta.dirname, '.screenshots');
const WIDE_CELLS = Array.from({ length: 14 }, (_, i) => `Column ${i} heading`);
const ARTICLE = `---
title: "Budget night: the figures"
date: "2025-12-05T10:00:00Z"
category: "Politics"
tags: ["Budget", "Markets"]
author: "Ana Lima"
image: "/articles/img/wide.svg"
---

The budget in numbers, with a table wider than any phone.

| ${WIDE_CELLS.join(' | ')} |
| ${WIDE_CELLS.map(() => '---').join(' | ')} |
| ${WIDE_CELLS.map((_, i) => `${i * 1000}`).join(' | ')} |

\`\`\`
const line = "${'a very long line of code that must scroll inside its box and not widen the page '.repeat(3)}";
\`\`\`
`;

const PAGES = [
  { name: 'home', path: '/', status: 200 },
  { name: 'article', path: '/articles/budget.html', status: 200 },
  { name: 'topic', path: '/tags/markets/index.html', status: 200 },
  { name: 'archive', path: '/archive/1.html', status: 200 },
  { name: 'not-found', path: '/no/such/page.html', status: 404 },
];
const WIDTHS = [1280, 390];
const SCHEMES = [
  { scheme: 'light', background: 'rgb(255, 255, 255)', color: 'rgb(34, 34, 34)' },
  { scheme: 'dark', background: 'rgb(18, 18, 18)', color: 'rgb(232, 232, 232)' },
] as const;

interface Seen {
  scrollWidth: number;
  innerWidth: number;
  maxWidth: string;
  background: string;
  color: string;
  fontFamily: string;
  imageWidth: number | null;
  mainWidth: number;
  description: string | null;
  icon: string | null;
}

let ws: Workspace;
let server: RunningServer;
let browser: Browser;

beforeAll(async () => {
  if (!present) return;
  ws = await Workspace.create();
  // The server first, so the site's URL (absolute image and icon links) is the one the browser reaches.
  await mkdir(ws.outDir, { recursive: true });
  server = await serveDirectory(ws.outDir, { port: 0 });
  const site = {
    title: 'Browser Wire',
    siteUrl: server.url,
    description: 'Pages checked in chromium',
    language: 'en',
    author: { name: 'Desk' },
    favicon: '/favicon.svg',
  };
  await writeFile(join(ws.contentDir, 'site.json'), JSON.stringify(site));
  await ws.write('budget.md', ARTICLE);
  for (let i = 0; i < 3; i++) {
    await ws.write(
      `note-${i}.md`,
      `---\ntitle: "Market note ${i}"\ndate: "2025-12-0${i + 1}T08:00:00Z"\ntags: ["Markets"]\n---\n\nShort note ${i}.\n`,
    );
  }
  await ws.publish();
  // The lead image, 2000 pixels wide: published with the site in production, written here by hand.
  await mkdir(join(ws.outDir, 'articles', 'img'), { recursive: true });
  await writeFile(
    join(ws.outDir, 'articles', 'img', 'wide.svg'),
    '<svg xmlns="http://www.w3.org/2000/svg" width="2000" height="400"><rect width="2000" height="400" fill="#48a"/></svg>',
  );
  await mkdir(SHOTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await ws?.dispose();
});

describe.skipIf(!present)('the pages in headless chromium', () => {
  for (const width of WIDTHS) {
    for (const { scheme, background, color } of SCHEMES) {
      it(`fit ${width} px wide without horizontal overflow, styled, in the ${scheme} scheme`, async () => {
        const context = await browser.newContext({ viewport: { width, height: 900 }, colorScheme: scheme });
        try {
          for (const page of PAGES) {
            const tab = await context.newPage();
            const response = await tab.goto(`${server.url}${page.path}`, { waitUntil: 'load' });
            expect(response?.status(), page.name).toBe(page.status);
            // Lazy images load once laid out: wait for them, bounded, before measuring.
            await tab.waitForFunction(
              'Array.from(document.images).every((i) => i.complete && i.naturalWidth > 0)',
              null,
              {
                timeout: 10_000,
              },
            );
            // Runs in the page (a string, so this file needs no DOM types).
            const seen = (await tab.evaluate(`(() => {
              const body = getComputedStyle(document.body);
              const img = document.querySelector('figure.lead img, main img');
              return {
                scrollWidth: document.documentElement.scrollWidth,
                innerWidth: window.innerWidth,
                maxWidth: body.maxWidth,
                background: body.backgroundColor,
                color: body.color,
                fontFamily: body.fontFamily,
                imageWidth: img === null ? null : img.getBoundingClientRect().width,
                mainWidth: document.querySelector('main')?.getBoundingClientRect().width ?? 0,
                description: document.querySelector('meta[name="description"]')?.getAttribute('content') ?? null,
                icon: document.querySelector('link[rel="icon"]')?.getAttribute('href') ?? null,
              };
            })()`)) as Seen;
            await tab.screenshot({ path: join(SHOTS, `${page.name}-${width}-${scheme}.png`), fullPage: true });
            const where = `${page.name} at ${width} (${scheme})`;
            expect(seen.scrollWidth, where).toBeLessThanOrEqual(seen.innerWidth);
            expect(seen.maxWidth, where).toBe('672px');
            expect(seen.background, where).toBe(background);
            expect(seen.color, where).toBe(color);
            expect(seen.fontFamily, where).toContain('system-ui');
            expect(seen.icon, where).toBe(`${server.url}/favicon.svg`);
            if (page.name === 'article') {
              // The 2000-pixel image loaded and was scaled down to the column.
              expect(seen.imageWidth ?? 0, where).toBeGreaterThan(200);
              expect(seen.imageWidth ?? 0, where).toBeLessThanOrEqual(seen.mainWidth);
              expect(seen.description, where).toBe('The budget in numbers, with a table wider than any phone.');
            }
            await tab.close();
          }
        } finally {
          await context.close();
        }
      }, 120_000);
    }
  }
});
