/**
 * Command lines: each command declares its options once (type, placeholder, what it does), and that one spec gives
 * the parser, the command's `--help` and the "did you mean" for a mistyped option.
 */
import { parseArgs as parseNodeArgs } from 'node:util';
import { UsageError } from '../core/errors.ts';

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  /** Placeholder for the value in help, e.g. `DIR`. */
  readonly value?: string;
  readonly description: string;
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

export interface CommandSpec<O extends OptionSpecs = OptionSpecs> {
  /** As typed after `wirefeed`: `build`, `subscribers add`. */
  readonly name: string;
  /** The positional arguments in help, e.g. `URL` or `[ID...]`. */
  readonly args?: string;
  /** How many positional arguments the command takes (default none). */
  readonly positionals?: { readonly min: number; readonly max: number };
  readonly summary: string;
  readonly options: O;
}

export type OptionValues<O extends OptionSpecs> = {
  -readonly [K in keyof O]?: O[K]['type'] extends 'string' ? string : boolean;
};

/** `--help` was asked for: main prints `text` on stdout and exits 0. */
export class HelpRequest extends Error {
  readonly text: string;
  constructor(text: string) {
    super('help requested');
    this.name = 'HelpRequest';
    this.text = text;
  }
}

/** A command's help: usage line, what it does, its options with their placeholders. */
export function commandHelp(spec: CommandSpec): string {
  const usage = `wirefeed ${spec.name}${spec.args ? ` ${spec.args}` : ''}${Object.keys(spec.options).length > 0 ? ' [options]' : ''}`;
  const rows = Object.entries(spec.options).map(([name, option]) => [
    `--${name}${option.value ? ` ${option.value}` : ''}`,
    option.description,
  ]);
  rows.push(['-h, --help', 'show this help']);
  const width = Math.max(...rows.map(([left]) => (left as string).length)) + 2;
  const lines = rows.map(([left, right]) => `  ${(left as string).padEnd(width)}${right}`);
  return `Usage: ${usage}\n\n${spec.summary}\n\nOptions:\n${lines.join('\n')}\n`;
}

/** Edit distance counting a swap of neighbours as one edit (`biuld` → `build`), for suggestions; short strings only. */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => d[i]?.[j] as number;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = best;
    }
  }
  return at(a.length, b.length);
}

/** The known names closest to `name` (a typo or an abbreviation), best first; empty when none is close. */
export function closestNames(name: string, known: readonly string[]): string[] {
  const prefixed = known.filter((candidate) => name.length >= 2 && candidate.startsWith(name));
  if (prefixed.length > 0) return prefixed;
  const limit = Math.max(1, Math.min(2, Math.floor(name.length / 3)));
  return known
    .map((candidate) => ({ candidate, d: distance(name, candidate) }))
    .filter(({ d }) => d <= limit)
    .sort((a, b) => a.d - b.d)
    .map(({ candidate }) => candidate);
}

/** ` (did you mean X?)` or ` (did you mean X or Y?)`, or nothing. */
export function didYouMean(name: string, known: readonly string[], prefix = ''): string {
  const close = closestNames(name, known).slice(0, 2);
  return close.length === 0 ? '' : ` (did you mean ${close.map((c) => `${prefix}${c}`).join(' or ')}?)`;
}

/**
 * Parses a command's arguments strictly: an unknown option (with the nearest known one suggested), a missing value,
 * a value given to a switch, or the wrong number of arguments is a UsageError that names the command.
 * @throws HelpRequest for `-h`/`--help` before `--`.
 */
export function parseCommand<O extends OptionSpecs>(
  spec: CommandSpec<O>,
  argv: readonly string[],
): { values: OptionValues<O>; positionals: string[] } {
  const { tokens } = parseNodeArgs({
    args: [...argv],
    options: Object.fromEntries(Object.entries(spec.options).map(([name, option]) => [name, { type: option.type }])),
    allowPositionals: true,
    strict: false,
    tokens: true,
  });
  const fail = (reason: string): never => {
    throw new UsageError(`${spec.name}: ${reason} (see wirefeed ${spec.name} --help)`);
  };
  const values: Record<string, string | boolean> = {};
  const positionals: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'positional') positionals.push(token.value);
    if (token.kind !== 'option') continue;
    if (token.name === 'help' || token.name === 'h') throw new HelpRequest(commandHelp(spec));
    const option = spec.options[token.name];
    if (option === undefined) {
      return fail(`unknown option ${token.rawName}${didYouMean(token.name, Object.keys(spec.options), '--')}`);
    }
    if (option.type === 'boolean') {
      if (token.inlineValue) fail(`${token.rawName} takes no value`);
      values[token.name] = true;
    } else {
      const value = token.value;
      if (value === undefined || (!token.inlineValue && value.startsWith('-') && value !== '-')) {
        fail(`${token.rawName} needs a value${option.value ? ` (${option.value})` : ''}`);
      }
      values[token.name] = value as string;
    }
  }
  const { min, max } = spec.positionals ?? { min: 0, max: 0 };
  if (positionals.length > max) {
    fail(max === 0 ? `unexpected argument "${positionals[max]}"` : `too many arguments (expected ${spec.args})`);
  }
  if (positionals.length < min) fail(`expected ${spec.args}`);
  return { values: values as OptionValues<O>, positionals };
}

/** Parses a TCP port option value. */
export function parsePort(command: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new UsageError(`${command}: invalid port "${value}"`);
  return port;
}

/** A command with actions (`subscribers add|list|…`), each its own CommandSpec. */
export interface CommandGroup {
  readonly name: string;
  readonly summary: string;
  readonly actions: Readonly<Record<string, CommandSpec>>;
}

/** A group's help: its actions, one line each. */
export function groupHelp(group: CommandGroup): string {
  const rows = Object.entries(group.actions).map(([action, spec]) => [
    `${action}${spec.args ? ` ${spec.args}` : ''}`,
    spec.summary.split('\n', 1)[0] ?? '',
  ]);
  const width = Math.max(...rows.map(([left]) => (left as string).length)) + 2;
  const lines = rows.map(([left, right]) => `  ${(left as string).padEnd(width)}${right}`);
  return (
    `Usage: wirefeed ${group.name} ACTION [options]\n\n${group.summary}\n\nActions:\n${lines.join('\n')}\n\n` +
    `See wirefeed ${group.name} ACTION --help for each action's options.\n`
  );
}

/**
 * The action a group's command line names, and the arguments after it.
 * @throws HelpRequest for `wirefeed GROUP --help`; UsageError for a missing or unknown action (with a suggestion).
 */
export function pickAction(group: CommandGroup, argv: readonly string[]): { action: string; rest: string[] } {
  const [action, ...rest] = argv;
  if (action === '--help' || action === '-h' || action === 'help') throw new HelpRequest(groupHelp(group));
  const known = Object.keys(group.actions);
  if (action === undefined || !known.includes(action)) {
    const what = action === undefined ? 'an action' : `unknown action "${action}"${didYouMean(action, known)}`;
    throw new UsageError(
      `${group.name}: ${action === undefined ? `expected ${what}` : what}: ${known.join(' | ')} (see wirefeed ${group.name} --help)`,
    );
  }
  return { action, rest };
}
