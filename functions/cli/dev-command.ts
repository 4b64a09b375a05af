import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type ContentWatcher, watchContent } from '../adapters/content-watcher.ts';
import { serveDirectory } from '../adapters/http-server.ts';
import { OutboxQueue } from '../adapters/outbox-queue.ts';
import { readPort } from '../core/env.ts';
import { UsageError, WatchError, WirefeedError } from '../core/errors.ts';
import { systemClock } from '../core/ports.ts';
import { SITE_KEY, SOURCE_PREFIX } from '../core/state-keys.ts';
import { ENV } from '../handlers/env-names.ts';
import { drainOutbox } from '../pipeline/deliver.ts';
import { isSourceKey, loadSite } from '../pipeline/publish.ts';
import { type CommandSpec, parseCommand, parsePort } from './args.ts';
import { type BuildTargets, buildTargets, describeResult, runBuild } from './build-command.ts';
import { describeDeadLetters, describeDrain, localDeliveryDeps } from './deliveries-command.ts';
import type { CliIo, Command } from './io.ts';
import { localHubRoutes } from './local-hub.ts';
import {
  ALLOW_PRIVATE_OPTION,
  allowPrivateTargets,
  BUILD_OPTIONS,
  DISABLE_AFTER_OPTION,
  openTarget,
} from './options.ts';
import { RebuildQueue, type RebuildRequest } from './rebuild-queue.ts';
import { reportError } from './report.ts';

/**
 * How long a rebuild waits for further changes. The native watcher already coalesces one save's events; this only
 * joins batches that arrive together (a burst, or a new directory and the files found in it).
 */
const DEBOUNCE_MS = 20;
const DRAIN_INTERVAL_MS = 5_000;
/** How many changed keys a rebuild names in its log line. */
const KEYS_SHOWN = 5;

export const DEV_SPEC = {
  name: 'dev',
  summary:
    'What `npm start` runs: builds content/ into public/, serves it on http://127.0.0.1:8787 (Cache-Control:\n' +
    'no-cache, so a browser always shows the latest build), rebuilds on every change and delivers webhooks.\n' +
    'When site.json turns the WebSub hub on, POST /hub is the hub. Enter in the terminal (SIGHUP when not\n' +
    'attached to one) rebuilds every source.',
  options: {
    ...BUILD_OPTIONS,
    port: { type: 'string', value: 'N', description: `port to serve on (default 8787, or ${ENV.port})` },
    host: { type: 'string', value: 'H', description: 'address to listen on (default 127.0.0.1)' },
    'no-watch': { type: 'boolean', description: 'build and serve, without watching for changes' },
    ...DISABLE_AFTER_OPTION,
    ...ALLOW_PRIVATE_OPTION,
  },
} as const satisfies CommandSpec;

export interface DevServer {
  readonly url: string;
  /**
   * Resolves with what the first rebuild started after this call examined (the first whose request `matches`),
   * once it has finished: for tests and benchmarks.
   */
  rebuilt(matches?: (request: RebuildRequest) => boolean): Promise<RebuildRequest>;
  /** Rebuilds examining every source, as at start (Enter in the terminal, or SIGHUP); resolves when done. */
  reconcile(): Promise<RebuildRequest>;
  close(): Promise<void>;
}

export interface DevOptions {
  readonly port: number;
  readonly host: string;
  readonly watch: boolean;
  readonly allowPrivateTargets: boolean;
}

/**
 * The local main job: build, deliver pending webhooks, serve the output root, and rebuild from the keys the content
 * watcher reports (debounced, one rebuild at a time), delivering after each build and retrying due deliveries on a
 * timer. The first build, and any asked for on demand or after the watcher lost track, examine every source.
 */
export async function startDev(argv: readonly string[], io: CliIo): Promise<DevServer> {
  const { values } = parseCommand(DEV_SPEC, argv);
  let targets = buildTargets(values);
  if (targets.out.startsWith('s3://') || targets.content.startsWith('s3://')) {
    throw new UsageError('dev: --content and --out must be directories (use `wirefeed build` for S3)');
  }
  const options: DevOptions = {
    port: parsePort('dev', values.port, readPort(io.env, ENV.port, 8787)),
    host: values.host ?? '127.0.0.1',
    watch: !values['no-watch'],
    allowPrivateTargets: allowPrivateTargets(values['allow-private-targets'], io),
  };

  const state = openTarget('--state', targets.state, io);
  // Refuses a file where the output directory must be before anything is built or served.
  openTarget('--out', targets.out, io);
  const outbox = new OutboxQueue(state);
  const delivery = localDeliveryDeps('dev', state, values, io);

  let delivering: Promise<void> = Promise.resolve();
  let running: Promise<void> | null = null;
  // Asked for while a drain runs (a build finished, a hub request came in): one more drain right after it.
  let drainAgain = false;
  const deliver = (): Promise<void> => {
    if (running !== null) {
      drainAgain = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          drainAgain = false;
          const summary = await drainOutbox(outbox, delivery);
          const total = summary.delivered + summary.retried + summary.dead + summary.dropped;
          if (total > 0) io.stdout(describeDrain(summary) + describeDeadLetters(summary.deadLetters));
        } while (drainAgain);
      } catch (error) {
        reportError(error, io, 'delivery');
      } finally {
        running = null;
      }
    })();
    return running;
  };

  // A scheduled article is published by the first rebuild at or after its date: one timer, set after every build.
  const wake = new WakeTimer(() => queue.wake());
  const build = async (request: RebuildRequest): Promise<void> => {
    const started = performance.now();
    if (request.keys.length > 0) io.stdout(`wirefeed: changed ${listKeys(request.keys)}\n`);
    else if (request.due && !request.full) io.stdout('wirefeed: a scheduled article falls due\n');
    try {
      const result = await runBuild(targets, io, request.full ? {} : { changed: request.keys });
      io.stdout(
        describeResult(result, targets, io).replace('\n', ` (${Math.round(performance.now() - started)} ms)\n`),
      );
      wake.at(result.nextDue);
    } catch (error) {
      reportError(error, io, 'build failed');
    }
    // Not awaited: a slow subscriber must not hold up the next rebuild.
    delivering = deliver();
  };
  const queue = new RebuildQueue(build, DEBOUNCE_MS);

  await mkdir(resolve(io.cwd, targets.out), { recursive: true });
  const server = await serveDirectory(resolve(io.cwd, targets.out), {
    port: options.port,
    host: options.host,
    cacheControl: 'no-cache',
    routes: localHubRoutes({
      content: openTarget('--content', targets.content, io),
      siteUrl: () => targets.siteUrl,
      state,
      queue: outbox,
      clock: systemClock,
      allowPrivateTargets: options.allowPrivateTargets,
      onAccepted: () => {
        delivering = deliver();
      },
    }),
  }).catch((error: unknown) => {
    const code = (error as { code?: string }).code;
    if (code !== 'EADDRINUSE' && code !== 'EACCES') throw error;
    throw new WirefeedError(
      `cannot listen on ${options.host}:${options.port} (${code === 'EADDRINUSE' ? 'already in use' : 'permission denied'}); choose another with --port N or ${ENV.port}`,
      { cause: error },
    );
  });
  const base = server.url.endsWith('/') ? server.url : `${server.url}/`;
  // A site whose siteUrl is this machine gets links to the address actually served (the port may differ).
  if (targets.siteUrl === undefined && (await pointsAtLoopback(targets, io))) {
    targets = { ...targets, siteUrl: base.replace(/\/$/, '') };
  }
  // Watching starts before the first build, so a save made while it runs is rebuilt after it.
  const contentRoot = resolve(io.cwd, targets.content);
  let watcher: ContentWatcher | undefined;
  if (options.watch) {
    watcher = await watchContent(contentRoot, {
      accept: isContentKey,
      onChanges: ({ keys, incomplete }) => queue.add(keys, incomplete),
      onError: (error) => io.stderr(`wirefeed: ${error.message}; the next rebuild examines every source\n`),
    }).catch(async (error: unknown) => {
      await server.close();
      throw error instanceof WatchError
        ? new WatchError(error.root, `${error.reason} (start with --no-watch to serve without rebuilding)`, {
            cause: error,
          })
        : error;
    });
  }
  await queue.reconcile();
  // Read before the "serving" line: once it is printed, nothing may await before the caller's signal handlers.
  const hubUrl = await builtInHubUrl(targets, io);
  io.stdout(`wirefeed: serving ${base} (feeds: ${base}feed.xml, ${base}atom.xml, ${base}feed.json)\n`);
  if (hubUrl !== null) io.stdout(`wirefeed: WebSub hub at ${base}hub (advertised as ${hubUrl})\n`);
  if (watcher) io.stdout(`wirefeed: watching ${watcher.root} for changes\n`);
  const drainTimer = setInterval(() => void deliver(), DRAIN_INTERVAL_MS);
  drainTimer.unref();

  return {
    url: base,
    rebuilt: (matches) => queue.next(matches),
    reconcile: () => queue.reconcile(),
    close: async () => {
      clearInterval(drainTimer);
      wake.at(null);
      await watcher?.close();
      await queue.close();
      await delivering;
      await server.close();
    },
  };
}

/** setTimeout's longest delay (about 24.8 days); a later instant is reached by waking early and setting it again. */
const LONGEST_TIMER_MS = 2 ** 31 - 1;

/** One pending wake-up at an instant (ISO 8601), replaced by every `at`. */
export class WakeTimer {
  readonly #wake: () => void;
  #timer: NodeJS.Timeout | undefined;

  constructor(wake: () => void) {
    this.#wake = wake;
  }

  /** Wakes at `instant` (at once when it has passed); null cancels. */
  at(instant: string | null): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (instant === null) return;
    const delay = Math.min(Math.max(0, Date.parse(instant) - Date.now()), LONGEST_TIMER_MS);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#wake();
    }, delay);
    this.#timer.unref();
  }
}

/** The keys a build reads: site.json and the article sources. */
function isContentKey(key: string): boolean {
  return key === SITE_KEY || (key.startsWith(SOURCE_PREFIX) && isSourceKey(key));
}

function listKeys(keys: readonly string[]): string {
  const shown = keys.slice(0, KEYS_SHOWN).join(', ');
  return keys.length > KEYS_SHOWN ? `${shown} and ${keys.length - KEYS_SHOWN} more` : shown;
}

/** The built-in hub's advertised URL when site.json turns it on; null otherwise (or when site.json is broken). */
async function builtInHubUrl(targets: BuildTargets, io: CliIo): Promise<string | null> {
  try {
    return (await loadSite(openTarget('--content', targets.content, io), targets.siteUrl)).hub?.url ?? null;
  } catch {
    return null; // the build reports a broken site.json itself
  }
}

async function pointsAtLoopback(targets: BuildTargets, io: CliIo): Promise<boolean> {
  try {
    const site = await loadSite(openTarget('--content', targets.content, io));
    const host = new URL(site.siteUrl).hostname;
    return host === 'localhost' || host === '[::1]' || host.startsWith('127.');
  } catch {
    return false; // the build reports a broken site.json itself
  }
}

/**
 * `wirefeed dev` (what `npm start` runs): serves until interrupted. A full rebuild on demand: Enter when attached to
 * a terminal; SIGHUP when not (in a terminal SIGHUP keeps its meaning, the terminal went away, and stops the server).
 */
export const devCommand: Command = async (argv, io) => {
  let dev: DevServer | undefined;
  let requested = false;
  const reconcile = () => {
    io.stdout('wirefeed: rebuilding every source\n');
    if (dev === undefined) requested = true;
    else void dev.reconcile();
  };
  const terminal = process.stdin.isTTY === true;
  // SIGHUP's handler is in place before the "serving" line is printed: a caller that sends SIGHUP on seeing that
  // line must never meet the default action, which ends the process. One that comes during start-up is kept.
  if (!terminal) process.on('SIGHUP', reconcile);
  try {
    dev = await startDev(argv, io);
  } catch (error) {
    process.off('SIGHUP', reconcile);
    throw error;
  }
  if (requested) void dev.reconcile();
  if (terminal) {
    process.stdin.on('data', reconcile);
    io.stdout('wirefeed: press Enter to rebuild every source\n');
  }
  await new Promise<void>((resolveStop) => {
    const stop = () => resolveStop();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    if (terminal) process.once('SIGHUP', stop);
  });
  process.stdin.off('data', reconcile).pause();
  process.off('SIGHUP', reconcile);
  await dev.close();
  return 0;
};
