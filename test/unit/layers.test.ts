/**
 * The layering rules, checked over every source file's imports: the core imports only the core (and no module that
 * does I/O), the pipeline never imports an adapter, and the CDK app never imports the pipeline.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

/** Node modules that reach the file system, the network, other processes or the environment. */
const IO_MODULES = new Set([
  'node:fs',
  'node:fs/promises',
  'node:net',
  'node:http',
  'node:https',
  'node:dns',
  'node:child_process',
  'node:process',
  'node:os',
  'node:worker_threads',
]);

/**
 * Imports that break a rule today and are removed by work in progress elsewhere. The test fails when an entry is no
 * longer needed, so the list only shrinks.
 */
const KNOWN_EXCEPTIONS: readonly string[] = [];

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Every module a file imports or re-exports, statically or with `import()`: repository paths for relative ones. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const specifiers = [
    ...text.matchAll(/^\s*(?:import|export)\s[^;]*?\sfrom\s+['"]([^'"]+)['"]/gms),
    ...text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm),
    ...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
  ].map((match) => match[1] as string);
  return specifiers.map((specifier) =>
    specifier.startsWith('.') ? relative(ROOT, resolve(ROOT, dirname(file), specifier)) : specifier,
  );
}

function violations(files: readonly string[], refuses: (target: string) => boolean): string[] {
  return files.flatMap((file) =>
    importsOf(file)
      .filter(refuses)
      .map((target) => `${file} → ${target}`),
  );
}

describe('layering', () => {
  it('finds the imports it checks (the rules below are not vacuous)', () => {
    expect(importsOf('functions/pipeline/deliver.ts')).toContain('functions/core/delivery.ts');
    expect(importsOf('functions/adapters/open-store.ts')).toContain('functions/adapters/s3-store.ts');
    expect(importsOf('functions/cli/main.ts')).toContain('functions/cli/build-command.ts');
  });

  it('functions/core imports only functions/core, package data and modules without I/O', () => {
    const found = violations(
      sources('functions/core'),
      (target) =>
        IO_MODULES.has(target) ||
        (target.startsWith('functions/') && !target.startsWith('functions/core/')) ||
        target.startsWith('infra/') ||
        target.startsWith('@aws-sdk/'),
    );
    expect(found).toEqual([]);
  });

  it('functions/pipeline never imports functions/adapters (the adapters are handed in as ports)', () => {
    expect(violations(sources('functions/pipeline'), (target) => target.startsWith('functions/adapters/'))).toEqual([]);
  });

  it('functions/pipeline and functions/adapters never import the CLI or the handlers', () => {
    const found = violations(
      [...sources('functions/pipeline'), ...sources('functions/adapters')],
      (target) => target.startsWith('functions/cli/') || target.startsWith('functions/handlers/'),
    );
    expect(found).toEqual([]);
  });

  it('infra/ never imports functions/pipeline (only names and constants from the core and the handlers)', () => {
    const found = violations(sources('infra'), (target) => target.startsWith('functions/pipeline/'));
    expect(found.filter((violation) => !KNOWN_EXCEPTIONS.includes(violation))).toEqual([]);
    expect(KNOWN_EXCEPTIONS.filter((exception) => !found.includes(exception))).toEqual([]);
  });
});
