/** Options several commands share, and the stores and flags they name. */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { openStore, parseS3Url } from '../adapters/open-store.ts';
import { readFlag } from '../core/env.ts';
import { ConfigError } from '../core/errors.ts';
import type { ObjectStore } from '../core/ports.ts';
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
    description: 'manifest, caches, subscribers, outbox (default .wirefeed)',
  },
} as const satisfies Record<string, OptionSpec>;

export const BUILD_OPTIONS = {
  ...CONTENT_OPTION,
  out: { type: 'string', value: 'DIR|s3://BUCKET[/PREFIX]', description: 'published files (default public)' },
  ...STATE_OPTION,
  'site-url': { type: 'string', value: 'URL', description: 'override siteUrl from site.json' },
} as const satisfies Record<string, OptionSpec>;

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
