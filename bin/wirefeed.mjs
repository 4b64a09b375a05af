#!/usr/bin/env node
// The `wirefeed` command. Runs the esbuild bundle in dist/ when it is at least as new as every
// source file (it is built by `npm ci`), and otherwise the TypeScript sources through tsx, so an
// edited checkout never runs stale code.
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = join(root, 'dist', 'wirefeed.js');

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function bundleIsFresh() {
  try {
    const built = statSync(bundle).mtimeMs;
    return built >= newestSource(join(root, 'functions')) && built >= statSync(join(root, 'package.json')).mtimeMs;
  } catch {
    return false;
  }
}

let run;
if (bundleIsFresh()) {
  ({ run } = await import(bundle));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ run } = await import('../functions/cli/main.ts'));
}
process.exitCode = await run(process.argv.slice(2));
