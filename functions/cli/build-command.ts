import { resolve } from 'node:path';
import { openStore } from '../adapters/open-store.ts';
import { OutboxQueue } from '../adapters/outbox-queue.ts';
import { UsageError } from '../core/errors.ts';
import { systemClock } from '../core/ports.ts';
import type { PublishResult, PublishSession } from '../pipeline/publish.ts';
import { publish } from '../pipeline/publish.ts';
import { parseArgs } from './args.ts';
import type { CliIo, Command } from './io.ts';

export const BUILD_OPTIONS = {
  content: { type: 'string' },
  out: { type: 'string' },
  state: { type: 'string' },
  'site-url': { type: 'string' },
} as const;

export interface BuildTargets {
  readonly content: string;
  readonly out: string;
  readonly state: string;
  readonly siteUrl: string | undefined;
}

/** Where every command looks when `--content`, `--out` or `--state` is not given. */
export const DEFAULT_TARGETS = { content: 'content', out: 'public', state: '.wirefeed' } as const;

/** Resolves `--content/--out/--state` with their defaults (`content/`, `public/`, `.wirefeed/`). */
export function buildTargets(values: {
  content?: string;
  out?: string;
  state?: string;
  'site-url'?: string;
}): BuildTargets {
  return {
    content: values.content ?? DEFAULT_TARGETS.content,
    out: values.out ?? DEFAULT_TARGETS.out,
    state: values.state ?? DEFAULT_TARGETS.state,
    siteUrl: values['site-url'],
  };
}

/** Runs one publish with the stores the targets name; progress goes to stderr on long builds. */
export async function runBuild(targets: BuildTargets, io: CliIo, session?: PublishSession): Promise<PublishResult> {
  const state = openStore(targets.state, io.env, io.cwd);
  let lastReport = 0;
  return publish(
    {
      content: openStore(targets.content, io.env, io.cwd),
      output: openStore(targets.out, io.env, io.cwd),
      state,
      queue: new OutboxQueue(state),
      clock: systemClock,
    },
    {
      ...(targets.siteUrl === undefined ? {} : { siteUrl: targets.siteUrl }),
      ...(session === undefined ? {} : { session }),
      onProgress: ({ done, total }) => {
        const now = Date.now();
        if (total >= 500 && (now - lastReport > 1000 || done === total)) {
          lastReport = now;
          io.stderr(`wirefeed: normalized ${done}/${total} articles\n`);
        }
      },
    },
  );
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
    lines.push(`  ${event.type.padEnd(18)} ${subject}`.trimEnd());
  }
  for (const { file, reason } of result.rejected)
    lines.push(`  rejected           ${targets.content}/${file}: ${reason}`);
  return `${lines.join('\n')}\n`;
}

/** `wirefeed build [--content DIR] [--out DIR|s3://…] [--state DIR|s3://…] [--site-url URL] [--json]`. */
export const buildCommand: Command = async (argv, io) => {
  const { values, positionals } = parseArgs('build', argv, { ...BUILD_OPTIONS, json: { type: 'boolean' } });
  if (positionals.length > 0) throw new UsageError(`build: unexpected argument "${positionals[0]}"`);
  const targets = buildTargets(values);
  const result = await runBuild(targets, io);
  if (values.json) {
    io.stdout(
      `${JSON.stringify({
        articles: result.articles,
        rejected: result.rejected.map(({ file, reason }) => ({ file: `${targets.content}/${file}`, reason })),
        written: result.written,
        unchanged: result.unchanged,
        deleted: result.deleted,
        events: articleEvents(result),
      })}\n`,
    );
  } else {
    io.stdout(describeResult(result, targets, io));
  }
  return result.rejected.length > 0 ? 1 : 0;
};
