import { isWirefeedError, UsageError } from '../core/errors.ts';
import { VERSION } from '../core/version.ts';
import { didYouMean, HelpRequest } from './args.ts';
import { buildCommand } from './build-command.ts';
import { deliverCommand, deliveriesCommand } from './deliveries-command.ts';
import { devCommand } from './dev-command.ts';
import type { CliIo, Command } from './io.ts';
import { processIo } from './io.ts';
import { normalizeCommand } from './normalize-command.ts';
import { subscribersCommand } from './subscribers-command.ts';

const HELP = `wirefeed ${VERSION}: articles in, feeds and webhooks out

Usage:
  wirefeed normalize FILE             print the normalized Article JSON of a .txt or .md file
  wirefeed build [options] [--json]   publish content/ to public/ (only what changed)
  wirefeed dev [options]              build, serve on http://127.0.0.1:8787, rebuild on change (npm start)
  wirefeed subscribers add URL [--events TYPE,...] | list | remove ID | rotate ID | test ID
  wirefeed deliver [--wait]           send pending webhook deliveries
  wirefeed deliveries dead | replay [ID...] | log [--subscriber ID]

Every command takes --help, e.g. wirefeed build --help. Common options:
  --content DIR                       article sources and site.json (default content)
  --out DIR|s3://BUCKET[/PREFIX]      published files (default public)
  --state DIR|s3://BUCKET[/PREFIX]    manifest, caches, subscribers, outbox (default .wirefeed)
  --site-url URL                      override siteUrl from site.json
  --port N, --host H                  dev server address (default 127.0.0.1:8787; env WIREFEED_PORT)
  --allow-private-targets             let webhooks reach loopback/private addresses (local development only)

Exit codes: 0 ok, 1 failure or rejected articles, 2 usage error.
`;

const COMMANDS: Record<string, Command> = {
  normalize: normalizeCommand,
  build: buildCommand,
  dev: devCommand,
  subscribers: subscribersCommand,
  deliver: deliverCommand,
  deliveries: deliveriesCommand,
};

/** Runs the `wirefeed` command line; resolves to the exit code. Errors become one `wirefeed: …` line. */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    io.stdout(HELP);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    io.stdout(`${VERSION}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  try {
    if (command === undefined) {
      throw new UsageError(`unknown command "${name}"${didYouMean(name, Object.keys(COMMANDS))} (see wirefeed --help)`);
    }
    return await command(rest, io);
  } catch (error) {
    if (error instanceof HelpRequest) {
      io.stdout(error.text);
      return 0;
    }
    if (error instanceof UsageError) {
      io.stderr(`wirefeed: ${error.message}\n`);
      return 2;
    }
    if (isWirefeedError(error)) {
      io.stderr(`wirefeed: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
