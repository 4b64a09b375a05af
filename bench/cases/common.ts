/** Shared by the benchmark cases: the result shape, robust statistics, and timed child processes. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';

export const PROJECT_ROOT = resolve(import.meta.dirname, '../..');
export const CLI = join(PROJECT_ROOT, 'bin', 'wirefeed.mjs');

export interface BenchContext {
  readonly quick: boolean;
  /** Articles in the main corpus (10,000 full, fewer in --quick). */
  readonly articles: number;
  /** Scratch directory for this case (under bench/.work/). */
  readonly workDir: string;
  readonly log: (line: string) => void;
}

/** One measured number. */
export interface Figure {
  readonly label: string;
  readonly value: number | string | null;
  readonly unit: string;
}

/** A goal from the issue, the value it is judged on, and whether it was met. */
export interface Check {
  readonly label: string;
  readonly value: number | null;
  readonly unit: string;
  /** Human form, e.g. "≤ 1.3". */
  readonly goal: string;
  readonly met: boolean | null;
}

export interface CaseResult {
  readonly id: string;
  readonly title: string;
  readonly figures: Figure[];
  readonly checks: Check[];
  readonly notes: string[];
  /** Seconds the case took, so a slow case is visible in the report. */
  seconds?: number;
}

export function figure(label: string, value: number | string | null, unit = ''): Figure {
  return { label, value: typeof value === 'number' ? round(value) : value, unit };
}

/** `value ≤ limit` (or ≥ with `atLeast`), null when the value could not be measured. */
export function check(label: string, value: number | null, unit: string, limit: number, atLeast = false): Check {
  const met = value === null || Number.isNaN(value) ? null : atLeast ? value >= limit : value <= limit;
  return { label, value: value === null ? null : round(value), unit, goal: `${atLeast ? '≥' : '≤'} ${limit}`, met };
}

export function round(value: number): number {
  if (!Number.isFinite(value)) return value;
  const magnitude = Math.abs(value);
  const digits = magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : magnitude >= 1 ? 2 : 3;
  return Number(value.toFixed(digits));
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** Nearest-rank percentile; NaN for no values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

export interface ChildRun {
  readonly wallMs: number;
  /** Peak resident set of the child in MB, from `/usr/bin/time -f %M` when available. */
  readonly peakRssMb: number | null;
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const TIME = '/usr/bin/time';
const RSS_MARK = 'wirefeed-bench-maxrss-kb=';

/**
 * Runs a command to completion and times it from spawn to exit. Peak RSS comes from GNU time (it reports
 * the child's own maximum, not ours). Bounded: killed after `timeoutMs`.
 */
export function runTimed(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; measureRss?: boolean } = {},
): Promise<ChildRun> {
  const useTime = options.measureRss === true && existsSync(TIME);
  const [file, argv] = useTime ? [TIME, ['-f', `${RSS_MARK}%M`, command, ...args]] : [command, [...args]];
  return new Promise((resolveRun, reject) => {
    const started = performance.now();
    const child = spawn(file, argv, {
      cwd: options.cwd ?? PROJECT_ROOT,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 600_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const wallMs = performance.now() - started;
      const match = new RegExp(`${RSS_MARK}(\\d+)`).exec(stderr);
      resolveRun({
        wallMs,
        peakRssMb: match ? Number(match[1]) / 1024 : null,
        code,
        stdout,
        stderr: stderr.replace(new RegExp(`${RSS_MARK}\\d+\\n?`), ''),
      });
    });
  });
}

/** Fails loudly when a measured run did not do what it was meant to, so no figure comes from a broken run. */
export function assertOk(run: ChildRun, what: string, okCodes: readonly number[] = [0]): void {
  if (run.code === null || !okCodes.includes(run.code)) {
    throw new Error(`${what} exited with ${run.code}: ${run.stderr.slice(-2000)}`);
  }
}

export interface FileStamp {
  readonly size: number;
  readonly mtimeMs: number;
}

/** Every file under `root` with its size and mtime, keyed by relative path. */
export async function snapshotTree(root: string): Promise<Map<string, FileStamp>> {
  const result = new Map<string, FileStamp>();
  if (!existsSync(root)) return result;
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  await Promise.all(
    entries
      .filter((entry) => entry.isFile())
      .map(async (entry) => {
        const path = join(entry.parentPath ?? entry.path, entry.name);
        const info = await stat(path);
        result.set(path.slice(root.length + 1), { size: info.size, mtimeMs: info.mtimeMs });
      }),
  );
  return result;
}

/** Files created, modified (mtime moved) or removed between two snapshots. */
export function countChanges(before: Map<string, FileStamp>, after: Map<string, FileStamp>): number {
  let changes = 0;
  for (const [path, stamp] of after) {
    const old = before.get(path);
    if (old === undefined || old.mtimeMs !== stamp.mtimeMs || old.size !== stamp.size) changes++;
  }
  for (const path of before.keys()) if (!after.has(path)) changes++;
  return changes;
}

/** Runs `fn` once per `order` entry, alternating which goes first each round, so drift hits both alike. */
export async function interleave<K extends string>(
  rounds: number,
  runners: Record<K, () => Promise<number>>,
): Promise<Record<K, number[]>> {
  const keys = Object.keys(runners) as K[];
  const results = Object.fromEntries(keys.map((k) => [k, [] as number[]])) as unknown as Record<K, number[]>;
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? keys : [...keys].reverse();
    for (const key of order) results[key].push(await runners[key]());
  }
  return results;
}

/** Median of the per-round ratios a[i]/b[i]: both were measured back to back, so load drift mostly cancels. */
export function pairedRatio(a: readonly number[], b: readonly number[]): number {
  return median(a.map((value, i) => value / (b[i] as number)));
}

export function nodeEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...extra };
}
