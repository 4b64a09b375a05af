import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { UsageError } from '../core/errors.ts';
import { normalizeArticle } from '../core/normalize.ts';
import { parseArgs } from './args.ts';
import type { Command } from './io.ts';

/** `wirefeed normalize FILE`: prints the Article JSON. */
export const normalizeCommand: Command = async (argv, io) => {
  const { positionals } = parseArgs('normalize', argv, {});
  const [file, ...rest] = positionals;
  if (file === undefined || rest.length > 0) throw new UsageError('normalize: expected exactly one FILE');
  let bytes: Uint8Array;
  try {
    bytes = await readFile(resolve(io.cwd, file));
  } catch (error) {
    io.stderr(
      `wirefeed: ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}\n`,
    );
    return 1;
  }
  const article = normalizeArticle(bytes, { path: file });
  io.stdout(`${JSON.stringify(article, null, 2)}\n`);
  return 0;
};
