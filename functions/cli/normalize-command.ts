import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { printableJson } from '../core/display.ts';
import { InvalidArticleError, isSystemError, systemErrorReason } from '../core/errors.ts';
import { normalizeArticle } from '../core/normalize.ts';
import { type CommandSpec, parseCommand } from './args.ts';
import type { Command } from './io.ts';

export const NORMALIZE_SPEC = {
  name: 'normalize',
  args: 'FILE',
  positionals: { min: 1, max: 1 },
  summary:
    'Prints the normalized Article JSON of one .txt or .md file: what wirefeed would publish for it.\n' +
    'Exit code 1 when the file cannot be read or is not a usable article.',
  options: {},
} as const satisfies CommandSpec;

/** `wirefeed normalize FILE`: prints the Article JSON. */
export const normalizeCommand: Command = async (argv, io) => {
  const { positionals } = parseCommand(NORMALIZE_SPEC, argv);
  const file = positionals[0] as string;
  let bytes: Uint8Array;
  try {
    bytes = await readFile(resolve(io.cwd, file));
  } catch (error) {
    if (!isSystemError(error)) throw error;
    throw new InvalidArticleError(file, systemErrorReason(error), { cause: error });
  }
  const article = normalizeArticle(bytes, { path: file });
  io.stdout(`${printableJson(article, 2)}\n`);
  return 0;
};
