import { UsageError } from '../core/errors.ts';
import { VERSION } from '../core/version.ts';
import { ENV } from '../handlers/env-names.ts';
import { didYouMean } from './args.ts';
import type { CliIo, Command } from './io.ts';
import { processIo } from './io.ts';
import { EXIT, reportError } from './report.ts';

export { EXIT, reportError } from './report.ts';

const HELP = `wirefeed ${VERSION}: articles in, feeds and webhooks out

Usage:
  wirefeed normalize FILE             print the normalized Article JSON of a .txt or .md file
  wirefeed build [options] [--json]   publish content/ to public/ (only what changed)
  wirefeed dev [options]              build, serve on http://127.0.0.1:8787, rebuild on change (npm start)
  wirefeed subscribers add URL [--events TYPE,...] [--operator] | list | update ID | pause ID | resume ID
                      | enable ID [--replay] [--since TIME] | remove ID | rotate ID | expire-previous ID | test ID
  wirefeed deliver [--wait]           send pending deliveries (webhooks, WebSub)
  wirefeed deliveries pending | retry ID | dead | replay [ID...] | log   (--queue URL: the DeliveryQueue in AWS)
  wirefeed status [--json]            last publish, rejected files, deliveries, subscriber health (exit 1: attention)
  wirefeed hub subscriptions [--json] the built-in WebSub hub's subscriptions

Every command takes --help, e.g. wirefeed build --help. Common options:
  --content DIR                       article sources and site.json (default content)
  --out DIR|s3://BUCKET[/PREFIX]      published files (default public)
  --state DIR|s3://BUCKET[/PREFIX]    publish state, subscribers, outbox (default .wirefeed)
  --allow-private-targets             let webhooks reach loopback/private addresses (local development only)

Environment: ${ENV.port} (dev server port), ${ENV.allowPrivateTargets} (1/true/yes/on or 0/false/no/off),
  ${ENV.disableFailingAfter} (disable a subscriber failing this long: 5d by default, 36h, 90m or off).

Exit codes: 0 ok, 1 failure or rejected articles (status: something needs attention), 2 usage error,
3 (status) nothing published with this state yet, 75 state busy (another run is publishing, try
again later), 70 internal error (a bug: please report it).
`;

/**
 * Each command is loaded when it runs, so a start-up pays only for the command it runs: `wirefeed build` on an
 * unchanged tree never loads the dev server, the watcher, the delivery code or the Markdown parser (which
 * publish loads itself, on the first source it normalizes: publish/engines.ts).
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  normalize: async () => (await import('./normalize-command.ts')).normalizeCommand,
  build: async () => (await import('./build-command.ts')).buildCommand,
  dev: async () => (await import('./dev-command.ts')).devCommand,
  subscribers: async () => (await import('./subscribers-command.ts')).subscribersCommand,
  deliver: async () => (await import('./deliveries-command.ts')).deliverCommand,
  deliveries: async () => (await import('./deliveries-command.ts')).deliveriesCommand,
  status: async () => (await import('./status-command.ts')).statusCommand,
  hub: async () => (await import('./hub-command.ts')).hubCommand,
};

/** Runs the `wirefeed` command line; resolves to the exit code. Every error is reported by `reportError`. */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    io.stdout(HELP);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version' || name === '-v') {
    io.stdout(`${VERSION}\n`);
    return EXIT.ok;
  }
  try {
    const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
    if (load === undefined) {
      throw new UsageError(`unknown command "${name}"${didYouMean(name, Object.keys(COMMANDS))} (see wirefeed --help)`);
    }
    return await (await load())(rest, io);
  } catch (error) {
    return reportError(error, io);
  }
}

/**
 * The process around `main`, for bin/wirefeed.mjs: a reader that closes the pipe early (`wirefeed subscribers list |
 * head -1`) ends the command quietly, as it would a Unix tool, and an error thrown outside a command's promise (a
 * timer or watcher of the dev server) goes through the same report as any other.
 */
export async function run(argv: readonly string[]): Promise<number> {
  const endQuietlyOnClosedPipe = (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? EXIT.ok);
    throw error;
  };
  process.stdout.on('error', endQuietlyOnClosedPipe);
  process.stderr.on('error', endQuietlyOnClosedPipe);
  const fatal = (error: unknown) => process.exit(reportError(error, processIo));
  process.on('uncaughtException', fatal);
  process.on('unhandledRejection', fatal);
  return main(argv, processIo);
}
