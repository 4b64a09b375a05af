/**
 * Case 6: the Lambda handler bundles, built exactly as the stack ships them (bin/bundle-lambda.mjs, which
 * WirefeedFunction runs after NodejsFunction: ESM with code splitting, minified, target node24, the `require`
 * banner, linked source maps without sources), against a bundle of only `@aws-sdk/client-s3` with `new S3Client()`
 * built the same way. Bytes (the entry file a cold start loads, and all chunks), and cold import + init in a fresh
 * node process, as wall time and as the process's CPU time (steadier on a shared machine); spawns of all bundles
 * alternate, medians over the rounds.
 */
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
// @ts-expect-error: plain JavaScript without declarations (the stack's hook runs it with node alone).
import { bundleLambda, LAMBDA_BUILD_OPTIONS } from '../../bin/bundle-lambda.mjs';
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

type Bundled = { readonly file: string; readonly bytes: number }[];
const build = bundleLambda as (entry: string, outdir: string) => Promise<Bundled>;

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
const cpu = process.cpuUsage();
const begin = performance.now();
const module = await import(process.argv[1]);
const importMs = performance.now() - begin;
const used = process.cpuUsage(cpu);
if (process.argv[2] === 'handler' && typeof module.handler !== 'function') throw new Error('no handler export');
process.stdout.write(JSON.stringify({ importMs, cpuMs: (used.user + used.system) / 1000 }));
`;

interface Bundle {
  readonly name: string;
  /** The entry file (`index.mjs`), the one a cold start loads before anything else. */
  readonly file: string;
  readonly bytes: number;
  readonly mapBytes: number;
  /** Every JavaScript file, chunks loaded on demand included. */
  readonly totalBytes: number;
  readonly kind: 'handler' | 'baseline';
}

async function bundle(name: string, kind: Bundle['kind'], outDir: string, entry: string): Promise<Bundle> {
  const files = await build(entry, join(outDir, name));
  const main = files[0] as Bundled[number];
  return {
    name,
    file: main.file,
    kind,
    bytes: main.bytes,
    mapBytes: (await stat(`${main.file}.map`)).size,
    totalBytes: files.reduce((sum, f) => sum + f.bytes, 0),
  };
}

interface Sample {
  readonly importMs: number;
  readonly cpuMs: number;
  readonly wallMs: number;
}

async function coldImport(b: Bundle, sourceMaps: boolean): Promise<Sample> {
  const env = nodeEnv({ ...HANDLER_ENV, NODE_OPTIONS: sourceMaps ? '--enable-source-maps' : '' });
  const run = await runTimed(process.execPath, ['--input-type=module', '-e', IMPORT_SCRIPT, b.file, b.kind], { env });
  assertOk(run, `cold import of ${b.name}`);
  const { importMs, cpuMs } = JSON.parse(run.stdout) as { importMs: number; cpuMs: number };
  return { importMs, cpuMs, wallMs: run.wallMs };
}

export async function runBundleCase(ctx: BenchContext): Promise<CaseResult> {
  await rm(ctx.workDir, { recursive: true, force: true });
  await mkdir(ctx.workDir, { recursive: true });
  const baseline = join(ctx.workDir, 's3-client-only.ts');
  await writeFile(
    baseline,
    "import { S3Client } from '@aws-sdk/client-s3';\nexport const client = new S3Client({});\n",
  );
  const handlers = ['publish', 'delivery'];
  const bundles = [
    ...(await Promise.all(
      handlers.map((h) => bundle(h, 'handler', ctx.workDir, join(PROJECT_ROOT, 'functions', 'handlers', `${h}.ts`))),
    )),
    await bundle('s3-client-only', 'baseline', ctx.workDir, baseline),
  ];
  const rounds = ctx.quick ? 4 : 15;
  ctx.log(`case 6: ${rounds} rounds of cold imports of ${bundles.length} bundles, with and without source maps`);
  type Samples = { importMs: number[]; cpuMs: number[]; wallMs: number[] };
  const samples = new Map<string, Samples>();
  for (const b of bundles)
    for (const m of ['maps', 'plain']) samples.set(`${b.name}/${m}`, { importMs: [], cpuMs: [], wallMs: [] });
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? bundles : [...bundles].reverse();
    for (const sourceMaps of [true, false]) {
      for (const b of order) {
        const sample = await coldImport(b, sourceMaps);
        const slot = samples.get(`${b.name}/${sourceMaps ? 'maps' : 'plain'}`);
        slot?.importMs.push(sample.importMs);
        slot?.cpuMs.push(sample.cpuMs);
        slot?.wallMs.push(sample.wallMs);
      }
    }
  }
  const base = (mode: string) => samples.get(`s3-client-only/${mode}`) as Samples;
  const figures: Figure[] = [];
  const checks: Check[] = [];
  for (const b of bundles) {
    figures.push(
      figure(`${b.name}: entry file (loaded at cold start)`, b.bytes / 1024, 'KiB'),
      figure(`${b.name}: all chunks`, b.totalBytes / 1024, 'KiB'),
    );
    const maps = samples.get(`${b.name}/maps`) as Samples;
    const plain = samples.get(`${b.name}/plain`) as Samples;
    figures.push(
      figure(`${b.name}: import + init, --enable-source-maps (median)`, median(maps.importMs), 'ms'),
      figure(`${b.name}: import + init CPU, --enable-source-maps (median)`, median(maps.cpuMs), 'ms'),
      figure(`${b.name}: import + init, no source maps (median)`, median(plain.importMs), 'ms'),
      figure(`${b.name}: process wall, --enable-source-maps (median)`, median(maps.wallMs), 'ms'),
    );
    if (b.kind === 'handler') {
      const ratio = (label: string, mine: number[], theirs: number[]) =>
        check(`${b.name} / S3Client-only, ${label}`, pairedRatio(mine, theirs), '×', 1.25);
      checks.push(
        ratio('import + init as deployed (source maps)', maps.importMs, base('maps').importMs),
        ratio('import + init CPU as deployed', maps.cpuMs, base('maps').cpuMs),
        ratio('import + init, no source maps', plain.importMs, base('plain').importMs),
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
      `Built by bin/bundle-lambda.mjs, as WirefeedFunction ships them (banner present: ${banner}, keepNames: ${(LAMBDA_BUILD_OPTIONS as { keepNames: boolean }).keepNames}, code splitting); entry source maps: ${mapSizes}.`,
      'A cold start loads the entry file and the chunks it imports statically; the publish handler loads the normalizer, the renderers and the SQS client (their own chunks) only when a run needs them.',
      'CPU time is the importing process’s user + system time: on a shared machine it is steadier than wall time.',
      'The stack sets NODE_OPTIONS=--enable-source-maps, so "as deployed" imports with it; both bundles get the same flag in each comparison.',
      `Local Node ${process.versions.node}, not the Lambda runtime (nodejs24.x, arm64): ratios carry over better than absolute times.`,
    ],
  };
}
