import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsStore } from '../../functions/adapters/fs-store.ts';
import {
  type DeadLetter,
  type DeliveryJob,
  type DeliveryQueue,
  isWebhookJob,
  type WebhookJob,
} from '../../functions/core/delivery.ts';
import type { Clock, ObjectStore } from '../../functions/core/ports.ts';
import type { PublishResult } from '../../functions/pipeline/publish.ts';
import { publish } from '../../functions/pipeline/publish.ts';
import { checkEvent } from './event-schema.ts';

export const TEST_SITE = {
  title: 'Test Wire',
  siteUrl: 'https://news.example.com',
  description: 'Test feed',
  language: 'en',
  author: { name: 'Test Desk' },
  itemLimit: 50,
};

/** A fixed clock that tests advance by hand. */
export class ManualClock implements Clock {
  #time: number;
  constructor(iso = '2026-01-01T00:00:00.000Z') {
    this.#time = Date.parse(iso);
  }
  now(): Date {
    return new Date(this.#time);
  }
  advance(ms: number): void {
    this.#time += ms;
  }
}

/** The webhook jobs among `jobs` (the rest are WebSub's), in order. */
export function webhookJobs(jobs: readonly DeliveryJob[]): WebhookJob[] {
  return jobs.filter(isWebhookJob);
}

/** The dead letters of webhook jobs among `letters`, in order. */
export function webhookLetters(letters: readonly DeadLetter[]): (DeadLetter & { readonly job: WebhookJob })[] {
  return letters.filter((letter): letter is DeadLetter & { readonly job: WebhookJob } => isWebhookJob(letter.job));
}

/** Records every job handed to it, in order. */
export class RecordingQueue implements DeliveryQueue {
  readonly jobs: DeliveryJob[] = [];
  async enqueue(jobs: readonly DeliveryJob[]): Promise<void> {
    for (const job of webhookJobs(jobs)) checkEvent(job.event);
    this.jobs.push(...jobs);
  }
}

/** A Markdown article with front matter; `date` optional so first-seen dating can be tested. */
export function markdownArticle(title: string, body: string, extra: Record<string, string> = {}): string {
  const front = Object.entries({ title, ...extra })
    .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
    .join('\n');
  return `---\n${front}\n---\n\n${body}\n`;
}

/** A temporary content/out/state tree with FsStores over it. */
export class Workspace {
  readonly root: string;
  readonly contentDir: string;
  readonly outDir: string;
  readonly stateDir: string;
  readonly clock = new ManualClock();
  readonly queue = new RecordingQueue();

  private constructor(root: string) {
    this.root = root;
    this.contentDir = join(root, 'content');
    this.outDir = join(root, 'public');
    this.stateDir = join(root, '.wirefeed');
  }

  static async create(site: object = TEST_SITE): Promise<Workspace> {
    const ws = new Workspace(await mkdtemp(join(tmpdir(), 'wirefeed-test-')));
    await mkdir(join(ws.contentDir, 'articles'), { recursive: true });
    await writeFile(join(ws.contentDir, 'site.json'), JSON.stringify(site));
    return ws;
  }

  async write(name: string, text: string | Uint8Array): Promise<void> {
    await writeFile(join(this.contentDir, 'articles', name), text);
  }

  async remove(name: string): Promise<void> {
    await rm(join(this.contentDir, 'articles', name));
  }

  stores(overrides: { output?: ObjectStore; state?: ObjectStore } = {}) {
    return {
      content: new FsStore(this.contentDir),
      output: overrides.output ?? new FsStore(this.outDir),
      state: overrides.state ?? new FsStore(this.stateDir),
      queue: this.queue,
      clock: this.clock,
    };
  }

  async publish(overrides: { output?: ObjectStore; state?: ObjectStore } = {}): Promise<PublishResult> {
    const result = await publish(this.stores(overrides));
    for (const event of result.events) checkEvent(event);
    return result;
  }

  /** Every file under the output root, by relative path. */
  async outputFiles(): Promise<Record<string, string>> {
    return readTree(this.outDir);
  }

  async dispose(): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
  }
}

export async function readTree(dir: string, prefix = ''): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(join(dir, prefix), { withFileTypes: true });
  } catch {
    return files;
  }
  for (const entry of entries) {
    const rel = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) Object.assign(files, await readTree(dir, rel));
    else files[rel] = await readFile(join(dir, rel), 'utf8');
  }
  return files;
}
