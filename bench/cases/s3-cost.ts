/**
 * Case 8: cost in S3 requests. The publish pipeline over the S3 adapter against s3rver (127.0.0.1), requests
 * counted by kind at the server for a full build, an unchanged rebuild and a one-article edit. s3rver keeps
 * objects as files and is far slower than S3, so the full run first times 1,000 articles and uses the largest
 * corpus that fits the time budget.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { OutboxQueue } from '../../functions/adapters/outbox-queue.ts';
import { S3Store } from '../../functions/adapters/s3-store.ts';
import { mapLimit } from '../../functions/core/concurrency.ts';
import { systemClock } from '../../functions/core/ports.ts';
import { publish } from '../../functions/pipeline/publish.ts';
import { type S3RequestKind, startS3Server } from '../../test/helpers/s3-server.ts';
import { BENCH_SITE, makeTextArticle } from '../corpus.ts';
import { type BenchContext, type CaseResult, type Check, check, type Figure, figure } from './common.ts';

/** Seconds the measured builds at the chosen size may take in a full run. */
const BUDGET_S = 300;
const KINDS: readonly S3RequestKind[] = [
  'GetObject',
  'HeadObject',
  'PutObject',
  'DeleteObject',
  'DeleteObjects',
  'ListObjectsV2',
  'ListObjects',
  'other',
];

type Counts = Partial<Record<S3RequestKind, number>>;

interface Scenario {
  readonly counts: Counts;
  readonly total: number;
  readonly seconds: number;
}

interface Measurement {
  readonly articles: number;
  readonly uploadSeconds: number;
  readonly full: Scenario;
  readonly unchanged: Scenario;
  readonly edit: Scenario;
}

async function measure(articles: number, log: (line: string) => void): Promise<Measurement> {
  const server = await startS3Server(['content', 'site', 'state']);
  try {
    const client = server.client;
    const uploadBegin = performance.now();
    await client.send(new PutObjectCommand({ Bucket: 'content', Key: 'site.json', Body: JSON.stringify(BENCH_SITE) }));
    await mapLimit(
      Array.from({ length: articles }, (_, i) => i),
      16,
      async (i) => {
        const { name, text } = makeTextArticle(i);
        await client.send(new PutObjectCommand({ Bucket: 'content', Key: `articles/${name}`, Body: text }));
      },
    );
    const uploadSeconds = (performance.now() - uploadBegin) / 1000;
    log(`case 8: ${articles} articles uploaded to s3rver in ${uploadSeconds.toFixed(1)} s`);
    const state = new S3Store({ client, bucket: 'state' });
    const ports = {
      content: new S3Store({ client, bucket: 'content' }),
      output: new S3Store({ client, bucket: 'site' }),
      state,
      queue: new OutboxQueue(state),
      clock: systemClock,
    };
    const scenario = async (
      name: string,
      expectWritten: (written: readonly string[]) => boolean,
    ): Promise<Scenario> => {
      server.resetCounts();
      const begin = performance.now();
      const result = await publish(ports);
      const seconds = (performance.now() - begin) / 1000;
      if (result.rejected.length > 0 || !expectWritten(result.written)) {
        throw new Error(`${name}: ${result.written.length} written, ${result.rejected.length} rejected`);
      }
      const counts: Counts = {};
      for (const kind of KINDS) {
        const n = server.count(kind);
        if (n > 0) counts[kind] = n;
      }
      log(`case 8: ${name} at ${articles}: ${server.requests.length} requests in ${seconds.toFixed(1)} s`);
      return { counts, total: server.requests.length, seconds };
    };
    // Every article page, the three feeds, the front page and the archive pages (one per 100 articles).
    const full = await scenario(
      'full build',
      (written) =>
        written.filter((path) => path.startsWith('articles/')).length === articles &&
        ['feed.xml', 'atom.xml', 'feed.json', 'index.html', 'archive/1.html'].every((path) => written.includes(path)),
    );
    const unchanged = await scenario('unchanged rebuild', (written) => written.length === 0);
    const { name, text } = makeTextArticle(0);
    await client.send(
      new PutObjectCommand({
        Bucket: 'content',
        Key: `articles/${name}`,
        Body: text.replace(/\.\n\nby /, '. Edited.\n\nby '),
      }),
    );
    const edit = await scenario('one-article edit', (written) => written.length >= 1);
    return { articles, uploadSeconds, full, unchanged, edit };
  } finally {
    await server.stop();
  }
}

function describe(counts: Counts): string {
  const parts = Object.entries(counts).map(([kind, n]) => `${kind} ${n}`);
  return parts.length === 0 ? 'none' : parts.join(', ');
}

export async function runS3CostCase(ctx: BenchContext): Promise<CaseResult> {
  const notes: string[] = [];
  let result: Measurement;
  if (ctx.quick) {
    result = await measure(200, ctx.log);
  } else {
    const probe = await measure(1000, ctx.log);
    const perArticle = (probe.full.seconds + probe.unchanged.seconds + probe.edit.seconds + probe.uploadSeconds) / 1000;
    // s3rver's listing walks its whole directory per page, so the cost grows faster than linearly: a 1.5× margin.
    const fits = Math.floor(BUDGET_S / (perArticle * 1.5) / 500) * 500;
    const target = Math.min(ctx.articles, Math.max(1000, fits));
    notes.push(
      `Probe at 1,000 articles: ${(perArticle * 1000).toFixed(1)} s for upload + three builds; ${target === ctx.articles ? `${ctx.articles} fits` : `${ctx.articles} would exceed ~${BUDGET_S} s, so the largest size that fits (${target}) was used`}.`,
    );
    result = target === 1000 ? probe : await measure(target, ctx.log);
  }
  const kinds = (s: Scenario) => s.counts;
  const writes = (s: Scenario) =>
    (s.counts.PutObject ?? 0) + (s.counts.DeleteObject ?? 0) + (s.counts.DeleteObjects ?? 0);
  const figures: Figure[] = [
    figure('articles', result.articles, ''),
    figure('full build: requests', result.full.total, ''),
    figure('full build: by kind', describe(kinds(result.full)), ''),
    figure('unchanged rebuild: requests', result.unchanged.total, ''),
    figure('unchanged rebuild: by kind', describe(kinds(result.unchanged)), ''),
    figure('one-article edit: by kind', describe(kinds(result.edit)), ''),
    figure('full build against s3rver', result.full.seconds, 's'),
  ];
  const checks: Check[] = [
    check('one-article edit: requests', result.edit.total, '', 30),
    check('unchanged rebuild: PUT + DELETE', writes(result.unchanged), '', 0),
  ];
  notes.push(
    'Every build here is a full reconcile (no change list): it reads the whole source index (up to 256 shards) to find the edit, so its edit is not O(1); the named-key edit a PublishFunction runs for an S3 event is measured in case 9.',
  );
  notes.push(
    'Counted at a pass-through proxy in front of s3rver (test/helpers/s3-server.ts), SDK retries included; ListObjectsV2 pages hold 1,000 keys.',
  );
  return {
    id: '8',
    title: `Cost in S3 requests, ${result.articles} articles, publish over the S3 adapter against s3rver`,
    figures,
    checks,
    notes,
  };
}
