import { watch } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createHttpSender } from '../adapters/http-sender.ts';
import { serveDirectory } from '../adapters/http-server.ts';
import { openStore } from '../adapters/open-store.ts';
import { OutboxQueue } from '../adapters/outbox-queue.ts';
import { UsageError, WirefeedError } from '../core/errors.ts';
import { systemClock } from '../core/ports.ts';
import { DEFAULT_SCHEDULE_MS } from '../core/retry-schedule.ts';
import { USER_AGENT } from '../core/version.ts';
import { drainOutbox } from '../pipeline/deliver.ts';
import { loadSite, PublishSession } from '../pipeline/publish.ts';
import { SubscriberRepository } from '../pipeline/subscribers.ts';
import { parseArgs, parsePort } from './args.ts';
import { BUILD_OPTIONS, type BuildTargets, buildTargets, describeResult, runBuild } from './build-command.ts';
import type { CliIo, Command } from './io.ts';
import { allowPrivateTargets } from './subscribers-command.ts';

const DEBOUNCE_MS = 50;
const DRAIN_INTERVAL_MS = 5_000;

export interface DevServer {
  readonly url: string;
  /** Resolves after the next rebuild triggered by a change finishes (for tests). */
  readonly rebuilt: () => Promise<void>;
  close(): Promise<void>;
}

export interface DevOptions {
  readonly port: number;
  readonly host: string;
  readonly watch: boolean;
  readonly allowPrivateTargets: boolean;
}

/**
 * The local main job: build, deliver pending webhooks, serve the output root, and rebuild on every
 * change under the content root (debounced), delivering after each build and retrying due
 * deliveries on a timer.
 */
export async function startDev(argv: readonly string[], io: CliIo): Promise<DevServer> {
  const { values, positionals } = parseArgs('dev', argv, {
    ...BUILD_OPTIONS,
    port: { type: 'string' },
    host: { type: 'string' },
    'no-watch': { type: 'boolean' },
    'allow-private-targets': { type: 'boolean' },
  });
  if (positionals.length > 0) throw new UsageError(`dev: unexpected argument "${positionals[0]}"`);
  let targets = buildTargets(values);
  if (targets.out.startsWith('s3://') || targets.content.startsWith('s3://')) {
    throw new UsageError('dev: --content and --out must be directories (use `wirefeed build` for S3)');
  }
  const options: DevOptions = {
    port: parsePort('dev', values.port ?? io.env.WIREFEED_PORT, 8787),
    host: values.host ?? '127.0.0.1',
    watch: !values['no-watch'],
    allowPrivateTargets: allowPrivateTargets(values['allow-private-targets'], io),
  };

  const state = openStore(targets.state, io.env, io.cwd);
  const outbox = new OutboxQueue(state);
  const deliveryDeps = {
    subscribers: new SubscriberRepository(state),
    sender: createHttpSender({ allowPrivateTargets: options.allowPrivateTargets, userAgent: USER_AGENT }),
    clock: systemClock,
    schedule: DEFAULT_SCHEDULE_MS,
    userAgent: USER_AGENT,
  };

  const session = new PublishSession();
  let delivering: Promise<void> = Promise.resolve();
  let draining = false;
  const deliver = async (): Promise<void> => {
    if (draining) return;
    draining = true;
    try {
      const summary = await drainOutbox(outbox, deliveryDeps);
      const total = summary.delivered + summary.retried + summary.dead + summary.dropped;
      if (total > 0) {
        io.stdout(
          `wirefeed: webhooks: ${summary.delivered} delivered, ${summary.retried} to retry, ${summary.dead} dead-lettered, ${summary.dropped} dropped\n`,
        );
      }
    } catch (error) {
      io.stderr(`wirefeed: delivery: ${(error as Error).message}\n`);
    } finally {
      draining = false;
    }
  };

  const build = async (): Promise<void> => {
    const started = performance.now();
    try {
      const result = await runBuild(targets, io, session);
      io.stdout(
        describeResult(result, targets, io).replace('\n', ` (${Math.round(performance.now() - started)} ms)\n`),
      );
    } catch (error) {
      io.stderr(`wirefeed: build failed: ${(error as Error).message}\n`);
      if (!(error instanceof WirefeedError)) io.stderr(`${(error as Error).stack ?? ''}\n`);
    }
    // Not awaited: a slow subscriber must not hold up the next rebuild.
    delivering = deliver();
  };

  await mkdir(resolve(io.cwd, targets.out), { recursive: true });
  const server = await serveDirectory(resolve(io.cwd, targets.out), { port: options.port, host: options.host }).catch(
    (error: unknown) => {
      const code = (error as { code?: string }).code;
      if (code !== 'EADDRINUSE' && code !== 'EACCES') throw error;
      throw new WirefeedError(
        `cannot listen on ${options.host}:${options.port} (${code === 'EADDRINUSE' ? 'already in use' : 'permission denied'}); choose another with --port N or WIREFEED_PORT`,
        { cause: error },
      );
    },
  );
  const base = server.url.endsWith('/') ? server.url : `${server.url}/`;
  // A site whose siteUrl is this machine gets links to the address actually served (the port may differ).
  if (targets.siteUrl === undefined && (await pointsAtLoopback(targets, io))) {
    targets = { ...targets, siteUrl: base.replace(/\/$/, '') };
  }
  await build();
  io.stdout(`wirefeed: serving ${base} (feeds: ${base}feed.xml, ${base}atom.xml, ${base}feed.json)\n`);

  // Rebuilds are serialized: a change during a build schedules exactly one more build after it.
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let waiters: (() => void)[] = [];
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      running = running.then(build).then(() => {
        const done = waiters;
        waiters = [];
        for (const resolveWaiter of done) resolveWaiter();
      });
    }, DEBOUNCE_MS);
  };
  const watcher = options.watch
    ? watch(resolve(io.cwd, targets.content), { recursive: true }, () => schedule())
    : undefined;
  if (watcher) io.stdout(`wirefeed: watching ${resolve(io.cwd, targets.content)} for changes\n`);
  const drainTimer = setInterval(() => void deliver(), DRAIN_INTERVAL_MS);
  drainTimer.unref();

  return {
    url: base,
    rebuilt: () => new Promise<void>((resolveWaiter) => waiters.push(resolveWaiter)),
    close: async () => {
      clearTimeout(timer);
      clearInterval(drainTimer);
      watcher?.close();
      await running;
      await delivering;
      await server.close();
    },
  };
}

async function pointsAtLoopback(targets: BuildTargets, io: CliIo): Promise<boolean> {
  try {
    const site = await loadSite(openStore(targets.content, io.env, io.cwd));
    const host = new URL(site.siteUrl).hostname;
    return host === 'localhost' || host === '[::1]' || host.startsWith('127.');
  } catch {
    return false; // the build reports a broken site.json itself
  }
}

/** `wirefeed dev` (what `npm start` runs): serves until interrupted. */
export const devCommand: Command = async (argv, io) => {
  const dev = await startDev(argv, io);
  await new Promise<void>((resolveStop) => {
    const stop = () => resolveStop();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await dev.close();
  return 0;
};
