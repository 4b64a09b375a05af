import { parseArgs as parseNodeArgs } from 'node:util';
import { UsageError } from '../core/errors.ts';

type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;

/**
 * Parses a command's arguments strictly: an unknown option or a missing value is a UsageError
 * (exit code 2) that names the command.
 */
export function parseArgs<T extends OptionSpec>(command: string, argv: readonly string[], options: T) {
  try {
    return parseNodeArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${command}: ${(error as Error).message}`, { cause: error });
  }
}

/** Parses a TCP port option value. */
export function parsePort(command: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`${command}: invalid port "${value}"`);
  return port;
}
