/** The CLI's one way of reporting an error, and the exit codes it stands for. */
import { printable } from '../core/display.ts';
import {
  describeSystemError,
  isSystemError,
  isWirefeedError,
  UnsafeTargetError,
  UsageError,
  WriterBusyError,
} from '../core/errors.ts';
import { VERSION } from '../core/version.ts';
import { ENV } from '../handlers/env-names.ts';
import { HelpRequest } from './args.ts';
import type { CliIo } from './io.ts';

/** Exit codes, as the README documents them. */
export const EXIT = { ok: 0, failure: 1, usage: 2, internal: 70, busy: 75 } as const;

/** One line: escapes stand for anything that would break it or drive the terminal. */
function line(text: string, context: string | undefined): string {
  return `wirefeed: ${context === undefined ? '' : `${context}: `}${printable(text)}\n`;
}

/**
 * Reports an error the one way the CLI does, and returns the exit code: help on stdout (0); a usage error (2); any
 * other failure a user can cause — wirefeed's own errors, failed system calls — as one line `wirefeed: <where>:
 * <why>` (1), or 75 (sysexits' EX_TEMPFAIL) when another run holds the state's writer lease, so a script can wait and
 * run the same command again. Anything else is a bug: its stack is printed with a request to report it (70). `context` (e.g.
 * `build failed`) goes after `wirefeed:` when the process carries on, as the dev server does.
 */
export function reportError(error: unknown, io: CliIo, context?: string): number {
  if (error instanceof HelpRequest) {
    io.stdout(error.text);
    return EXIT.ok;
  }
  if (error instanceof UsageError) {
    io.stderr(line(error.message, context));
    return EXIT.usage;
  }
  if (error instanceof UnsafeTargetError && error.privateTarget) {
    io.stderr(
      line(
        `${error.message} (for local development: --allow-private-targets or ${ENV.allowPrivateTargets}=1)`,
        context,
      ),
    );
    return EXIT.failure;
  }
  if (error instanceof WriterBusyError) {
    io.stderr(line(error.message, context));
    return EXIT.busy;
  }
  if (isWirefeedError(error)) {
    io.stderr(line(error.message, context));
    return EXIT.failure;
  }
  if (isSystemError(error)) {
    io.stderr(line(describeSystemError(error), context));
    return EXIT.failure;
  }
  const stack = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
  io.stderr(
    `wirefeed: ${context === undefined ? '' : `${context}: `}internal error: ${printable(error instanceof Error ? error.message : String(error))}\n${stack}\n` +
      `This is a bug in wirefeed ${VERSION}. Please report it with the command you ran and the lines above.\n`,
  );
  return EXIT.internal;
}
