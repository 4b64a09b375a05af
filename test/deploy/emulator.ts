/**
 * The local AWS emulator for the deploy test: moto's server, started on 127.0.0.1 (a free port) by
 * `emulator/launch.py`, which applies the adaptations listed in README.md beside this file.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** The adaptations hook into this version's internals; another version fails the test instead of misbehaving. */
export const MOTO_VERSION = '5.2.1';
export const EMULATOR_REGION = 'us-east-1';
/** The account moto answers STS GetCallerIdentity with, so the CLI binds the stack to it. */
export const EMULATOR_ACCOUNT = '123456789012';

const LAUNCHER = join(import.meta.dirname, 'emulator', 'launch.py');
const PYTHON = process.env.WIREFEED_EMULATOR_PYTHON ?? 'python3';

export type MotoProbe =
  | { readonly available: true; readonly version: string }
  | { readonly available: false; readonly reason: string };

/** Whether moto can be imported by the `python3` on PATH (it is not in any lockfile: it comes with the machine). */
export function probeMoto(): MotoProbe {
  const probe = spawnSync(PYTHON, ['-c', 'import moto; print(moto.__version__)'], { encoding: 'utf8' });
  if (probe.error !== undefined) return { available: false, reason: `${PYTHON} not found (${probe.error.message})` };
  if (probe.status !== 0) {
    const why = probe.stderr.trim().split('\n').at(-1) ?? `exit ${probe.status}`;
    return { available: false, reason: `moto ${MOTO_VERSION} is not installed for ${PYTHON} (${why})` };
  }
  return { available: true, version: probe.stdout.trim() };
}

export interface Emulator {
  /** `http://127.0.0.1:<port>`: every service on one endpoint. */
  readonly url: string;
  readonly port: number;
  /** The emulator's own log and every function invocation's output, one line each. */
  readonly logFile: string;
  /** The last lines of the log, for a failure message. */
  logTail(lines?: number): string;
  stop(): Promise<void>;
}

export interface EmulatorOptions {
  /** Scratch directory for unzipped function code and the log. */
  readonly workdir: string;
  /** Added to every function's environment (e.g. the flag that lets webhooks reach a loopback receiver). */
  readonly functionEnv?: Readonly<Record<string, string>>;
}

export async function startEmulator(options: EmulatorOptions): Promise<Emulator> {
  await mkdir(options.workdir, { recursive: true });
  const logFile = join(options.workdir, 'emulator.log');
  const log = openSync(logFile, 'a');
  const args = [LAUNCHER, '--workdir', options.workdir, '--node', process.execPath, '--region', EMULATOR_REGION];
  for (const [key, value] of Object.entries(options.functionEnv ?? {})) args.push('--function-env', `${key}=${value}`);
  // Its own process group, so stopping it also ends any function process it is still running.
  const child = spawn(PYTHON, args, {
    stdio: ['pipe', 'pipe', log],
    detached: true,
    env: { PATH: process.env.PATH ?? '', HOME: options.workdir, PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1' },
  });
  closeSync(log);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const first = await new Promise<string>((resolve) => {
    const lines = createInterface({ input: child.stdout as NonNullable<ChildProcess['stdout']> });
    lines.once('line', resolve);
    child.once('exit', () => resolve(''));
  });
  const tail = (lines = 60) => readFileSync(logFile, 'utf8').split('\n').slice(-lines).join('\n');
  let port: number;
  try {
    ({ port } = JSON.parse(first) as { port: number });
  } catch {
    await stopGroup(child, exited);
    throw new Error(`the emulator did not start: ${first || '(no output)'}\n${tail(20)}`);
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    logFile,
    logTail: tail,
    stop: () => stopGroup(child, exited),
  };
}

async function stopGroup(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  // Closing its stdin is the launcher's signal to shut down; the group kill ends whatever it left running.
  child.stdin?.end();
  const timer = new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), 10_000).unref());
  await Promise.race([exited, timer]);
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // The group is already gone.
  }
  await exited;
}
