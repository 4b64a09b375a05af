/**
 * Case 6: the Lambda handler bundles, built by esbuild with the stack's settings (infra/constructs/
 * wirefeed-function.ts: bundle, ESM, minify, platform node, target node24, `module` before `main`, the
 * `require` banner, linked source map without sources), against a bundle of only `@aws-sdk/client-s3` with
 * `new S3Client()`. Bytes, and cold import + init in a fresh node process: spawns of all bundles alternate,
 * medians over the rounds.
 */
import { readFileSync } from 'node:fs';
import { readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type BuildOptions, build } from 'esbuild';
import {
  assertOk,
  type BenchContext,
  type CaseResult,
  type Check,
  check,
  type Figure,
  figure,
  median,
  nodeEnv,
  PROJECT_ROOT,
  pairedRatio,
  runTimed,
} from './common.ts';

/** Not exported by infra/, so mirrored here; keep in step with `WirefeedFunction`'s `bundling`. */
const REQUIRE_BANNER =
  "import{createRequire as __wfCreateRequire}from'node:module';const require=__wfCreateRequire(import.meta.url);";

const CONSTRUCT_SOURCE = readFileSync(join(PROJECT_ROOT, 'infra', 'constructs', 'wirefeed-function.ts'), 'utf8');

const STACK_OPTIONS: BuildOptions = {
  bundle: true,
  format: 'esm',
  minify: true,
  platform: 'node',
  target: 'node24',
  mainFields: ['module', 'main'],
  banner: { js: REQUIRE_BANNER },
  sourcemap: true,
  sourcesContent: false,
  // Followed from the construct's source, so the bench cannot drift from what the stack deploys.
  keepNames: /keepNames:\s*true/.test(CONSTRUCT_SOURCE),
  logLevel: 'silent',
};

const HANDLER_ENV = {
  AWS_REGION: 'us-east-1',
  WIREFEED_CONTENT_BUCKET: 'bench-content',
  WIREFEED_SITE_BUCKET: 'bench-site',
  WIREFEED_STATE_BUCKET: 'bench-state',
  WIREFEED_SITE_URL: 'https://bench.example.com',
  WIREFEED_DELIVERY_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/bench-delivery',
  WIREFEED_DELIVERY_DLQ_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/bench-delivery-dlq',
  WIREFEED_PUBLISH_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/bench-publish.fifo',
};

/** Imports the bundle (module-scope init included: config, clients) and reports how long that took. */
const IMPORT_SCRIPT = `
const begin = performance.now();
const module = await import(process.argv[1]);
const importMs = performance.now() - begin;
if (process.argv[2] === 'handler' && typeof module.handler !== 'function') throw new Error('no handler export');
process.stdout.write(JSON.stringify({ importMs }));
`;

interface Bundle {
  readonly name: string;
  readonly file: string;
  readonly bytes: number;
  readonly mapBytes: number;
  readonly kind: 'handler' | 'baseline';
}

async function bundle(name: string, kind: Bundle['kind'], outDir: string, options: BuildOptions): Promise<Bundle> {
  const file = join(outDir, `${name}.mjs`);
  await build({ ...STACK_OPTIONS, ...options, outfile: file, absWorkingDir: PROJECT_ROOT });
  return { name, file, kind, bytes: (await stat(file)).size, mapBytes: (await stat(`${file}.map`)).size };
}

async function coldImport(b: Bundle, sourceMaps: boolean): Promise<{ importMs: number; wallMs: number }> {
  const env = nodeEnv({ ...HANDLER_ENV, NODE_OPTIONS: sourceMaps ? '--enable-source-maps' : '' });
  const run = await runTimed(process.execPath, ['--input-type=module', '-e', IMPORT_SCRIPT, b.file, b.kind], { env });
  assertOk(run, `cold import of ${b.name}`);
  return { importMs: (JSON.parse(run.stdout) as { importMs: number }).importMs, wallMs: run.wallMs };
}

export async function runBundleCase(ctx: BenchContext): Promise<CaseResult> {
  await rm(ctx.workDir, { recursive: true, force: true });
  const handlers = ['publish', 'delivery'];
  const bundles = [
    ...(await Promise.all(
      handlers.map((h) =>
        bundle(h, 'handler', ctx.workDir, { entryPoints: [join(PROJECT_ROOT, 'functions', 'handlers', `${h}.ts`)] }),
      ),
    )),
    await bundle('s3-client-only', 'baseline', ctx.workDir, {
      stdin: {
        contents: "import { S3Client } from '@aws-sdk/client-s3';\nexport const client = new S3Client({});\n",
        resolveDir: PROJECT_ROOT,
        sourcefile: 's3-client-only.ts',
        loader: 'ts',
      },
    }),
  ];
  const rounds = ctx.quick ? 4 : 15;
  ctx.log(`case 6: ${rounds} rounds of cold imports of ${bundles.length} bundles, with and without source maps`);
  const samples = new Map<string, { importMs: number[]; wallMs: number[] }>();
  for (const b of bundles)
    for (const m of ['maps', 'plain']) samples.set(`${b.name}/${m}`, { importMs: [], wallMs: [] });
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? bundles : [...bundles].reverse();
    for (const sourceMaps of [true, false]) {
      for (const b of order) {
        const sample = await coldImport(b, sourceMaps);
        const slot = samples.get(`${b.name}/${sourceMaps ? 'maps' : 'plain'}`);
        slot?.importMs.push(sample.importMs);
        slot?.wallMs.push(sample.wallMs);
      }
    }
  }
  const base = (mode: string) => samples.get(`s3-client-only/${mode}`) as { importMs: number[]; wallMs: number[] };
  const figures: Figure[] = [];
  const checks: Check[] = [];
  for (const b of bundles) {
    figures.push(figure(`${b.name}: bundle size`, b.bytes / 1024, 'KiB'));
    const maps = samples.get(`${b.name}/maps`) as { importMs: number[]; wallMs: number[] };
    const plain = samples.get(`${b.name}/plain`) as { importMs: number[]; wallMs: number[] };
    figures.push(
      figure(`${b.name}: import + init, --enable-source-maps (median)`, median(maps.importMs), 'ms'),
      figure(`${b.name}: import + init, no source maps (median)`, median(plain.importMs), 'ms'),
      figure(`${b.name}: process wall, --enable-source-maps (median)`, median(maps.wallMs), 'ms'),
    );
    if (b.kind === 'handler') {
      checks.push(
        check(
          `${b.name} / S3Client-only import, as deployed`,
          pairedRatio(maps.importMs, base('maps').importMs),
          '×',
          1.25,
        ),
        check(
          `${b.name} / S3Client-only import, no source maps`,
          pairedRatio(plain.importMs, base('plain').importMs),
          '×',
          1.25,
        ),
      );
    }
  }
  const mapSizes = bundles.map((b) => `${b.name} ${Math.round(b.mapBytes / 1024)} KiB`).join(', ');
  const banner = (await readFile(bundles[0]?.file as string, 'utf8')).startsWith('import{createRequire');
  return {
    id: '6',
    title: 'Lambda handler bundles: size and cold import + init',
    figures,
    checks,
    notes: [
      `esbuild options mirror WirefeedFunction's bundling (banner present: ${banner}, keepNames: ${STACK_OPTIONS.keepNames}); source maps: ${mapSizes}.`,
      'The stack sets NODE_OPTIONS=--enable-source-maps, so "as deployed" imports with it; both bundles get the same flag in each comparison.',
      `Local Node ${process.versions.node}, not the Lambda runtime (nodejs24.x, arm64): ratios carry over better than absolute times.`,
    ],
  };
}
