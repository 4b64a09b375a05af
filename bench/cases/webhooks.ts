/**
 * Case 5: webhook fan-out. 1,000 deliveries of a ~2 KB signed event to receivers in a child process on
 * 127.0.0.1, 32 in flight, through our guarded sender (signing each one, as delivery does) vs a raw
 * keep-alive `http.request` POST loop with the same agent settings, concurrency, headers and payload.
 * Rounds alternate; the verdict is the median per-round throughput ratio.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import { join } from 'node:path';
import { createHttpSender } from '../../functions/adapters/http-sender.ts';
import { formatSecret, signWebhook } from '../../functions/core/sign.ts';
import { USER_AGENT } from '../../functions/core/version.ts';
import {
  type BenchContext,
  type CaseResult,
  check,
  figure,
  interleave,
  median,
  PROJECT_ROOT,
  percentile,
} from './common.ts';

const CONCURRENCY = 32;
const RECEIVERS = 4;

interface Receivers {
  readonly child: ChildProcess;
  readonly ports: number[];
  count(): Promise<{ requests: number; bytes: number }>;
  stop(): Promise<void>;
}

async function startReceivers(): Promise<Receivers> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(PROJECT_ROOT, 'bench', 'receiver-child.ts'), String(RECEIVERS)],
    {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    },
  );
  const ports = await new Promise<number[]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('receivers did not start within 20 s')), 20_000);
    child.once('message', (message: { ports: number[] }) => {
      clearTimeout(timer);
      resolve(message.ports);
    });
    child.once('exit', (code) => reject(new Error(`receiver child exited with ${code}`)));
  });
  return {
    child,
    ports,
    count: () =>
      new Promise((resolve) => {
        child.once('message', (message: { requests: number; bytes: number }) => resolve(message));
        child.send({ type: 'count' });
      }),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.disconnect();
      }),
  };
}

/** Runs `total` sends with `CONCURRENCY` in flight; returns wall time and each send's latency. */
async function fanOut(
  total: number,
  send: (i: number) => Promise<void>,
): Promise<{ wallMs: number; latencies: number[] }> {
  const latencies: number[] = [];
  let next = 0;
  const begin = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < total) {
        const i = next++;
        const start = performance.now();
        await send(i);
        latencies.push(performance.now() - start);
      }
    }),
  );
  return { wallMs: performance.now() - begin, latencies };
}

function makeBody(): string {
  const data = {
    id: 'story-00042',
    title: 'Quarter study climate factory policy plan acknowledged, analyst says',
    summary:
      'Community loss negotiation official negotiation rate battery vehicle property insisted council airport. '.repeat(
        12,
      ),
    url: 'https://bench.example.com/articles/story-00042.html',
    published: '2024-01-02T03:04:05.000Z',
    updated: '2024-01-02T03:04:05.000Z',
    authors: ['Rafael Wei'],
    category: 'World',
    feeds: {
      rss: 'https://bench.example.com/feed.xml',
      atom: 'https://bench.example.com/atom.xml',
      json: 'https://bench.example.com/feed.json',
    },
  };
  return JSON.stringify({ type: 'article.published', timestamp: '2024-01-02T03:04:05.000Z', data });
}

export async function runWebhookCase(ctx: BenchContext): Promise<CaseResult> {
  const total = ctx.quick ? 500 : 1000;
  const rounds = ctx.quick ? 5 : 9;
  const receivers = await startReceivers();
  try {
    const urls = receivers.ports.map((port) => `http://127.0.0.1:${port}/hook`);
    const body = makeBody();
    const secret = formatSecret(new Uint8Array(32).fill(7));
    const sender = createHttpSender({ allowPrivateTargets: true, userAgent: USER_AGENT });
    // The same agent settings our sender uses (keep-alive, 64 sockets).
    const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
    const payload = Buffer.from(body, 'utf8');
    let failures = 0;

    const ours = (i: number) => async () => {
      const headers = signWebhook({ id: `evt_${i}`, timestamp: Date.now() / 1000, body, secrets: [secret] });
      const result = await sender.send(urls[i % urls.length] as string, headers, body);
      if (result.status !== 204) failures++;
    };
    const raw = (i: number) =>
      new Promise<void>((resolve) => {
        const request = http.request(
          urls[i % urls.length] as string,
          {
            method: 'POST',
            agent,
            headers: {
              ...signWebhook({ id: `evt_${i}`, timestamp: Date.now() / 1000, body, secrets: [secret] }),
              'content-type': 'application/json',
              'user-agent': USER_AGENT,
              'content-length': String(payload.length),
            },
          },
          (response) => {
            if (response.statusCode !== 204) failures++;
            response.resume();
            response.on('end', resolve);
          },
        );
        request.on('error', () => {
          failures++;
          resolve();
        });
        request.end(payload);
      });

    const latencies = { ours: [] as number[], raw: [] as number[] };
    const runOnce = async (kind: 'ours' | 'raw') => {
      const { wallMs, latencies: l } = await fanOut(total, (i) => (kind === 'ours' ? ours(i)() : raw(i)));
      latencies[kind].push(...l);
      return (total / wallMs) * 1000;
    };
    // Warm-up: sockets opened, code paths compiled; not counted.
    await runOnce('ours');
    await runOnce('raw');
    latencies.ours.length = 0;
    latencies.raw.length = 0;
    const before = await receivers.count();
    ctx.log(`case 5: ${rounds} rounds of ${total} deliveries each way`);
    const rates = await interleave(rounds, { ours: () => runOnce('ours'), raw: () => runOnce('raw') });
    const after = await receivers.count();
    const received = after.requests - before.requests;
    if (failures > 0 || received !== total * rounds * 2) {
      throw new Error(`fan-out lost deliveries: ${failures} failures, ${received}/${total * rounds * 2} received`);
    }
    agent.destroy();
    const ratio = median(rates.ours.map((r, i) => r / (rates.raw[i] as number)));
    return {
      id: '5',
      title: `Webhook fan-out, ${total} deliveries, ${CONCURRENCY} in flight, ${payload.length} B payload`,
      figures: [
        figure('ours: deliveries/s (median)', median(rates.ours), '/s'),
        figure('raw http: deliveries/s (median)', median(rates.raw), '/s'),
        figure('ours: latency p50', percentile(latencies.ours, 50), 'ms'),
        figure('ours: latency p99', percentile(latencies.ours, 99), 'ms'),
        figure('raw http: latency p50', percentile(latencies.raw, 50), 'ms'),
        figure('raw http: latency p99', percentile(latencies.raw, 99), 'ms'),
        figure('rounds', rounds, ''),
      ],
      checks: [check('ours / raw http throughput', ratio, '×', 0.8, true)],
      notes: [
        `${RECEIVERS} receivers in one child process answer 204; every delivery was counted there (${received} in the measured rounds).`,
        'Both sign every delivery (HMAC-SHA256, same headers and bytes); ours goes through the SSRF-guarded sender with allowPrivateTargets.',
      ],
    };
  } finally {
    await receivers.stop();
  }
}
