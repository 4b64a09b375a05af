/** Options several commands share, and the stores and flags they name. */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { openStore, parseS3Url } from '../adapters/open-store.ts';
import { OutboxQueue } from '../adapters/outbox-queue.ts';
import type { DeadLetterBox } from '../core/delivery.ts';
import { readFlag, readPeriod } from '../core/env.ts';
import { ConfigError, UsageError } from '../core/errors.ts';
import type { ObjectStore } from '../core/ports.ts';
import { DEFAULT_DISABLE_AFTER_MS, parsePeriod } from '../core/subscriber-health.ts';
import { ENV } from '../handlers/env-names.ts';
import type { OptionSpec } from './args.ts';
import type { CliIo } from './io.ts';

/** Where every command looks when `--content`, `--out` or `--state` is not given. */
export const DEFAULT_TARGETS = { content: 'content', out: 'public', state: '.wirefeed' } as const;

export const CONTENT_OPTION = {
  content: { type: 'string', value: 'DIR', description: 'article sources and site.json (default content)' },
} as const satisfies Record<string, OptionSpec>;

export const STATE_OPTION = {
  state: {
    type: 'string',
    value: 'DIR|s3://BUCKET[/PREFIX]',
    description: 'publish state, subscribers, outbox (default .wirefeed)',
  },
} as const satisfies Record<string, OptionSpec>;

export const BUILD_OPTIONS = {
  ...CONTENT_OPTION,
  out: { type: 'string', value: 'DIR|s3://BUCKET[/PREFIX]', description: 'published files (default public)' },
  ...STATE_OPTION,
  'site-url': { type: 'string', value: 'URL', description: 'override siteUrl from site.json' },
  jobs: {
    type: 'string',
    value: 'N',
    description: 'threads for large builds: 1 normalizes on the main thread only (default: one per core)',
  },
} as const satisfies Record<string, OptionSpec>;

/**
 * `--jobs N`: threads a large build may use, the main thread included (N - 1 normalize workers); default one per
 * core. @throws UsageError for anything but a whole number from 1 to 256.
 */
export function parseJobs(command: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const jobs = Number(value);
  if (!/^\d+$/.test(value) || jobs < 1 || jobs > 256) {
    throw new UsageError(`${command}: invalid --jobs "${value}": expected a whole number from 1 to 256`);
  }
  return jobs;
}

export const JSON_OPTION = {
  json: { type: 'boolean', description: 'print JSON instead of lines' },
} as const satisfies Record<string, OptionSpec>;

export const ALLOW_PRIVATE_OPTION = {
  'allow-private-targets': {
    type: 'boolean',
    description: `let webhooks reach loopback/private addresses, http: and any port (local development only; or ${ENV.allowPrivateTargets}=1)`,
  },
} as const satisfies Record<string, OptionSpec>;

/**
 * `--allow-private-targets`, or `WIREFEED_ALLOW_PRIVATE_TARGETS` on, read by the same `readFlag` as the Lambda
 * configuration (so `1` and `true` both work, and a typo is an error): local development only, never a default.
 */
export function allowPrivateTargets(flag: boolean | undefined, io: CliIo): boolean {
  return readFlag(io.env, ENV.allowPrivateTargets) || flag === true;
}

/**
 * The store a target option names: `s3://BUCKET[/PREFIX]`, or a directory resolved against the working directory.
 * A directory that does not exist yet is fine (it is made on the first write); a file where a directory must be is
 * refused up front, naming the option, instead of failing deep inside a write.
 * @throws ConfigError, e.g. `--out public.html: is a file, not a directory`.
 */
export function openTarget(option: string, spec: string, io: CliIo): ObjectStore {
  if (parseS3Url(spec) === null) {
    const path = resolve(io.cwd, spec);
    let isDirectory = true;
    try {
      isDirectory = statSync(path).isDirectory();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') {
        throw new ConfigError(`${option} ${spec}: a part of the path is a file, not a directory`, { cause: error });
      }
    }
    if (!isDirectory) throw new ConfigError(`${option} ${spec}: is a file, not a directory`);
  }
  return openStore(spec, io.env, io.cwd);
}

export const QUEUE_OPTION = {
  queue: {
    type: 'string',
    value: 'URL',
    description: 'in AWS: the DeliveryQueue (or DeliveryDLQ) URL, stack output DeliveryQueueUrl; else the local outbox',
  },
} as const satisfies Record<string, OptionSpec>;

export const SINCE_OPTION = {
  since: {
    type: 'string',
    value: 'TIME',
    description: 'only dead letters given up since TIME: ISO 8601 (2026-05-01T08:00Z) or a period ago (36h, 5d)',
  },
} as const satisfies Record<string, OptionSpec>;

export const DISABLE_AFTER_OPTION = {
  'disable-after': {
    type: 'string',
    value: 'PERIOD',
    description: `disable a subscriber failing continuously this long: 5d (default), 36h, 90m or off (or ${ENV.disableFailingAfter})`,
  },
} as const satisfies Record<string, OptionSpec>;

/**
 * `--since TIME`: an ISO 8601 time, or a period before `now` (`36h`, `5d`).
 * @throws UsageError naming the command and what it got.
 */
export function parseSince(command: string, text: string | undefined, now: Date): Date | undefined {
  if (text === undefined) return undefined;
  const period = parsePeriod(text);
  if (typeof period === 'number') return new Date(now.getTime() - period);
  const time = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(time)) {
    throw new UsageError(`${command}: --since must be an ISO 8601 time or a period such as 36h or 5d, got "${text}"`);
  }
  return new Date(time);
}

/** `--disable-after`, else WIREFEED_DISABLE_FAILING_AFTER, else 5 days; read as the DeliveryFunction reads it. */
export function disableAfter(command: string, flag: string | undefined, io: CliIo): number | null {
  if (flag === undefined) return readPeriod(io.env, ENV.disableFailingAfter, DEFAULT_DISABLE_AFTER_MS);
  const period = parsePeriod(flag);
  if (period === undefined) {
    throw new UsageError(`${command}: --disable-after must be a period such as 5d, 36h or 90m, or off, got "${flag}"`);
  }
  return period;
}

/**
 * Where dead letters are: the DeliveryDLQ when `--queue` names the DeliveryQueue or its DLQ (AWS), else the local
 * outbox in `--state`.
 */
export async function openDeadLetters(
  values: { queue?: string | undefined; state?: string | undefined },
  io: CliIo,
): Promise<DeadLetterBox> {
  if (values.queue !== undefined) {
    // Loaded only here: the SQS client is not worth its start-up time to the commands that work locally.
    const { createSqsClient, resolveDeliveryQueues, SqsDeadLetters } = await import('../adapters/sqs-dead-letters.ts');
    const client = createSqsClient(io.env);
    const queues = await resolveDeliveryQueues(client, values.queue);
    return new SqsDeadLetters({ client, ...queues });
  }
  return new OutboxQueue(openTarget('--state', values.state ?? DEFAULT_TARGETS.state, io));
}
