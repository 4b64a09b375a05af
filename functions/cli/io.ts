import { printableJson } from '../core/display.ts';

/** What a CLI command may touch of its process: injected so commands are testable in-process. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  cwd: process.cwd(),
};

/** A CLI command: arguments after its name, the process surface; resolves to the exit code. */
export type Command = (argv: readonly string[], io: CliIo) => Promise<number>;

/** Prints a listing: as (terminal-safe) JSON with `--json`, else one line per item, or `none` when there are none. */
export function printList<T>(
  io: CliIo,
  items: readonly T[],
  options: { readonly json: unknown; readonly none: string; readonly line: (item: T) => string },
): number {
  if (options.json) io.stdout(`${printableJson(items, 2)}\n`);
  else if (items.length === 0) io.stdout(`${options.none}\n`);
  else for (const item of items) io.stdout(`${options.line(item)}\n`);
  return 0;
}
