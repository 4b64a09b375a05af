import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { NormalizePool } from '../adapters/normalize-pool.ts';
import { OutboxQueue } from '../adapters/outbox-queue.ts';
import { printable, printableJson } from '../core/display.ts';
import { systemClock } from '../core/ports.ts';
import type { PublishResult } from '../pipeline/publish.ts';
import { publish } from '../pipeline/publish.ts';
import { type CommandSpec, parseCommand } from './args.ts';
import type { CliIo, Command } from './io.ts';
import { BUILD_OPTIONS, DEFAULT_TARGETS, JSON_OPTION, openTarget, parseJobs } from './options.ts';

export const BUILD_SPEC = {
  name: 'build',
  summary:
    'Publishes content/ to public/ (or S3): normalizes every article, writes only the files that changed, and\n' +
    'queues webhooks for what changed. A rejected article is listed with its reason; the rest still publish.\n' +
    'Exit code 1 when an article was rejected.',
  options: { ...BUILD_OPTIONS, ...JSON_OPTION },
} as const satisfies CommandSpec;

export interface BuildTargets {
  readonly content: string;
  readonly out: string;
  readonly state: string;
  readonly siteUrl: string | undefined;
  /** `--jobs`: threads a large build may use, the main thread included; undefined: one per core. */
  readonly jobs?: number | undefined;
}

/** Resolves `--content/--out/--state` with their defaults (`content/`, `public/`, `.wirefeed/`). */
export function buildTargets(values: {
  content?: string;
  out?: string;
  state?: string;
  'site-url'?: string;
  jobs?: string;
}): BuildTargets {
  return {
    content: values.content ?? DEFAULT_TARGETS.content,
    out: values.out ?? DEFAULT_TARGETS.out,
    state: values.state ?? DEFAULT_TARGETS.state,
    siteUrl: values['site-url'],
    jobs: parseJobs('build', values.jobs),
  };
}

/**
 * The normalize pool a build may use (docs/ARCHITECTURE.md, "Worker pool"): none with `--jobs 1` or on one core.
 * Its threads start only if the run examines at least `POOL_THRESHOLD` sources, so a small rebuild starts none.
 */
function poolFor(targets: BuildTargets): NormalizePool | undefined {
  // The main thread is one of the jobs: `--jobs 1`, or one core, leaves no worker.
  const workers = (targets.jobs ?? availableParallelism()) - 1;
  if (workers < 1) return undefined;
  return new NormalizePool({ workers });
}

/**
 * Runs one publish with the stores the targets name; progress goes to stderr on long builds. `changed` names the
 * content keys that changed (e.g. from a file watcher); without it the build reconciles the whole content root.
 */
export async function runBuild(
  targets: BuildTargets,
  io: CliIo,
  options: { readonly changed?: readonly string[] } = {},
): Promise<PublishResult> {
  const state = openTarget('--state', targets.state, io);
  let lastReport = 0;
  const pool = poolFor(targets);
  try {
    return await publish(
      {
        content: openTarget('--content', targets.content, io),
        output: openTarget('--out', targets.out, io),
        state,
        queue: new OutboxQueue(state),
        clock: systemClock,
      },
      {
        ...(targets.siteUrl === undefined ? {} : { siteUrl: targets.siteUrl }),
        ...(options.changed === undefined ? {} : { changed: options.changed }),
        ...(pool === undefined ? {} : { parallel: pool }),
        onProgress: ({ phase, done, total }) => {
          const now = Date.now();
          if (phase === 'sources' && total >= 500 && (now - lastReport > 1000 || done === total)) {
            lastReport = now;
            io.stderr(`wirefeed: processed ${done}/${total} sources\n`);
          }
        },
      },
    );
  } finally {
    await pool?.close();
  }
}

/** The article events of a result as `{type, id (article id), eventId}`, for `--json`. */
export function articleEvents(result: PublishResult): { type: string; id: string; eventId: string }[] {
  return result.events.flatMap((event) =>
    event.type === 'article.published' || event.type === 'article.updated' || event.type === 'article.deleted'
      ? [{ type: event.type, id: event.data.id, eventId: event.id }]
      : [],
  );
}

/** Human-readable lines for a publish result. */
export function describeResult(result: PublishResult, targets: BuildTargets, io: CliIo): string {
  const where = (spec: string) => (spec.startsWith('s3://') ? spec : resolve(io.cwd, spec));
  const lines = [
    `wirefeed: ${result.articles} article${result.articles === 1 ? '' : 's'} → ${where(targets.out)}: ` +
      `${result.written.length} written, ${result.unchanged} unchanged, ${result.deleted.length} deleted`,
  ];
  for (const event of result.events) {
    const subject = 'id' in event.data ? event.data.id : '';
    lines.push(`  ${event.type.padEnd(18)} ${printable(subject)}`.trimEnd());
  }
  for (const { file, reason } of result.rejected)
    lines.push(`  rejected           ${printable(`${targets.content}/${file}: ${reason}`)}`);
  // A warning does not fail the build: the article is published, its image shown as written.
  for (const { file, reason } of result.warnings)
    lines.push(`  warning            ${printable(`${targets.content}/${file}: ${reason}`)}`);
  if (result.nextDue !== null) lines.push(`  next scheduled     ${result.nextDue}`);
  return `${lines.join('\n')}\n`;
}

/** `wirefeed build [--content DIR] [--out DIR|s3://…] [--state DIR|s3://…] [--site-url URL] [--json]`. */
export const buildCommand: Command = async (argv, io) => {
  const { values } = parseCommand(BUILD_SPEC, argv);
  const targets = buildTargets(values);
  const result = await runBuild(targets, io);
  if (values.json) {
    io.stdout(
      `${printableJson({
        articles: result.articles,
        rejected: result.rejected.map(({ file, reason }) => ({ file: `${targets.content}/${file}`, reason })),
        written: result.written,
        unchanged: result.unchanged,
        deleted: result.deleted,
        events: articleEvents(result),
        problems: result.problems,
        warnings: result.warnings.map(({ file, reason }) => ({ file: `${targets.content}/${file}`, reason })),
        nextDue: result.nextDue,
      })}\n`,
    );
  } else {
    io.stdout(describeResult(result, targets, io));
  }
  const state = targets.state.startsWith('s3://') ? targets.state : resolve(io.cwd, targets.state);
  for (const { key, reason } of result.problems) io.stderr(`wirefeed: ${printable(`${state}/${key}: ${reason}`)}\n`);
  return result.rejected.length > 0 || result.problems.length > 0 ? 1 : 0;
};
