#!/usr/bin/env node
// Bundles the CLI into dist/ with esbuild (run by `npm ci` through the `prepare` script), so
// `wirefeed` starts without compiling TypeScript on every run. bin/wirefeed.mjs falls back to
// running the sources through tsx whenever dist/ is missing or older than any source file.
import { build } from 'esbuild';

await build({
  // The normalize pool's worker is an entry of its own: the pool starts it by its path next to the bundle.
  entryPoints: { wirefeed: 'functions/cli/main.ts', 'normalize-worker': 'functions/adapters/normalize-worker.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
});
