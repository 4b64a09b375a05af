#!/usr/bin/env node
// Bundles one Lambda handler the way the stack ships it: esbuild, ESM with code splitting, so the parts a handler
// loads with `import()` (the normalizer and renderers, the SQS client in the PublishFunction) are their own chunks
// that a cold start neither reads nor parses. NodejsFunction writes a single `index.mjs` (its command line fixes
// `--outfile`), so WirefeedFunction runs this from its `afterBundling` hook over the same output directory:
//
//   node bin/bundle-lambda.mjs <entry.ts> <output dir>
//
// Plain JavaScript, so the hook needs nothing but node; bench case 6 builds its bundles with the same function.
import { readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * ESM bundles still contain CommonJS dependencies (parts of the AWS SDK) that call `require`; ESM has none, so each
 * output file creates one first.
 */
export const REQUIRE_BANNER =
  "import{createRequire as __wfCreateRequire}from'node:module';const require=__wfCreateRequire(import.meta.url);";

/** The stack's esbuild settings (the Lambda runtime is nodejs24.x). */
export const LAMBDA_BUILD_OPTIONS = {
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node24',
  mainFields: ['module', 'main'],
  banner: { js: REQUIRE_BANNER },
  minify: true,
  // Errors name themselves after their class (`new.target.name`); minified names would log as "un".
  keepNames: true,
  sourcemap: 'linked',
  sourcesContent: false,
  // `.mjs`: Lambda loads the handler and Node its chunks as ES modules without a package.json.
  outExtension: { '.js': '.mjs' },
  entryNames: 'index',
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
};

/**
 * Bundles `entry` into `outdir` (replacing the JavaScript already there) with {@link LAMBDA_BUILD_OPTIONS}; returns
 * the JavaScript files written (source maps aside) with their sizes, `index.mjs` first.
 */
export async function bundleLambda(entry, outdir, absWorkingDir = PROJECT_ROOT) {
  for (const name of safeList(outdir)) {
    if (name === 'chunks' || /\.m?js(\.map)?$/.test(name)) rmSync(join(outdir, name), { recursive: true, force: true });
  }
  const result = await build({ ...LAMBDA_BUILD_OPTIONS, entryPoints: [entry], outdir, absWorkingDir, metafile: true });
  const index = resolve(outdir, 'index.mjs');
  return Object.entries(result.metafile.outputs)
    .filter(([file]) => file.endsWith('.mjs'))
    .map(([file, output]) => ({ file: resolve(absWorkingDir, file), bytes: output.bytes }))
    .sort((a, b) => Number(b.file === index) - Number(a.file === index));
}

function safeList(dir) {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [entry, outdir] = process.argv.slice(2);
  if (entry === undefined || outdir === undefined) {
    process.stderr.write('usage: node bin/bundle-lambda.mjs <entry.ts> <output dir>\n');
    process.exit(64);
  }
  await bundleLambda(entry, outdir);
}
