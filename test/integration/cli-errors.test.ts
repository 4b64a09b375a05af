/**
 * The CLI's one error path, as users meet it: every failure they can cause is one line `wirefeed: <where>: <why>`
 * with the documented exit code (1 failure, 2 usage), help is per command, a typo gets a suggestion, and only a bug
 * prints a stack (exit code 70). Most cases run `main` in-process; those about the process itself (a closed pipe, the
 * real exit code) run bin/wirefeed.mjs.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsStore } from '../../functions/adapters/fs-store.ts';
import { reportError } from '../../functions/cli/main.ts';
import { SubscriberRepository } from '../../functions/pipeline/subscribers.ts';
import { runCli } from '../helpers/cli.ts';
import { markdownArticle, TEST_SITE, Workspace } from '../helpers/workspace.ts';

const execFileAsync = promisify(execFile);
const BIN = join(import.meta.dirname, '../../bin/wirefeed.mjs');

let ws: Workspace;
beforeEach(async () => {
  ws = await Workspace.create();
  await ws.write('good.md', markdownArticle('Good', 'Body.'));
});
afterEach(async () => {
  await ws.dispose();
});

async function run(argv: string[], env: Record<string, string> = {}) {
  return runCli(argv, ws.root, env);
}

/** Runs the installed command in a child process. */
async function runBin(argv: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [BIN, ...argv], {
      cwd: ws.root,
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('one line, with the exit code, for every failure a user can cause', () => {
  it('--out naming a file: exit 1 and one line naming the option (a real process)', async () => {
    await writeFile(join(ws.root, 'public.html'), 'not a directory');
    const result = await runBin(['build', '--out', 'public.html']);
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: 'wirefeed: --out public.html: is a file, not a directory\n',
    });
    const below = await run(['build', '--out', 'public.html/site']);
    expect(below).toEqual({
      code: 1,
      stdout: '',
      stderr: 'wirefeed: --out public.html/site: a part of the path is a file, not a directory\n',
    });
  });

  it('a file where the build must make a directory: one line from the store, not a stack trace', async () => {
    await mkdir(join(ws.root, 'public'), { recursive: true });
    await writeFile(join(ws.root, 'public', 'articles'), 'in the way');
    const result = await run(['build']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `wirefeed: put ${ws.outDir}/articles/good.html: ${ws.outDir}/articles: a file stands where a directory must be (EEXIST)\n`,
    );
  });

  it('site.json with a trailing comma: the JSON error with its line and column', async () => {
    await writeFile(join(ws.contentDir, 'site.json'), '{\n  "title": "Wire",\n  "siteUrl": "https://x.example",\n}\n');
    expect(await run(['build'])).toEqual({
      code: 1,
      stdout: '',
      stderr: `wirefeed: ${ws.contentDir}/site.json: not valid JSON: line 3, column 33: trailing comma before "}"\n`,
    });
  });

  it('site.json that is not UTF-8: the byte offset and line', async () => {
    await writeFile(join(ws.contentDir, 'site.json'), Buffer.from('{\n"title": "Caf\xe9"}', 'latin1'));
    expect((await run(['build'])).stderr).toBe(
      `wirefeed: ${ws.contentDir}/site.json: not valid UTF-8: byte 0xE9 at offset 15 (line 2)\n`,
    );
  });

  it('a missing or unreadable file for normalize: the path and what is wrong, in words', async () => {
    const missing = await run(['normalize', 'nope.md']);
    expect(missing).toEqual({
      code: 1,
      stdout: '',
      stderr: 'wirefeed: nope.md: no such file or directory (ENOENT)\n',
    });
    const directory = await run(['normalize', 'content']);
    expect(directory.stderr).toBe('wirefeed: content: is a directory, not a file (EISDIR)\n');
  });

  it('a corrupt subscriber record: one line naming the record, where it breaks', async () => {
    await mkdir(join(ws.stateDir, 'subscribers'), { recursive: true });
    await writeFile(join(ws.stateDir, 'subscribers', 'sub_broken.json'), '{"id": "sub_broken", "url": ');
    const result = await run(['subscribers', 'list']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `wirefeed: get ${ws.stateDir}/subscribers/sub_broken.json: subscriber record is not valid JSON: ` +
        'line 1, column 29: unexpected end of input (expected a value)\n',
    );
  });

  it('an environment flag with a value it does not know: one line naming the variable', async () => {
    const result = await run(['deliver'], { WIREFEED_ALLOW_PRIVATE_TARGETS: 'maybe' });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'wirefeed: Environment variable WIREFEED_ALLOW_PRIVATE_TARGETS must be one of 1, true, yes, on (on) or ' +
        '0, false, no, off (off), got "maybe"\n',
    );
    const port = await run(['dev', '--no-watch'], { WIREFEED_PORT: 'eighty' });
    expect(port).toEqual({
      code: 1,
      stdout: '',
      stderr: 'wirefeed: Environment variable WIREFEED_PORT must be a port number from 0 to 65535, got "eighty"\n',
    });
  });

  it('a refused private target says how local development lifts the guard', async () => {
    const result = await run(['subscribers', 'add', 'http://127.0.0.1:9/hook']);
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'wirefeed: refused webhook target http://127.0.0.1:9/hook: scheme http: is not allowed (only https:) ' +
        '(for local development: --allow-private-targets or WIREFEED_ALLOW_PRIVATE_TARGETS=1)\n',
    });
    const yes = await run(['subscribers', 'add', 'http://127.0.0.1:9/hook'], { WIREFEED_ALLOW_PRIVATE_TARGETS: 'yes' });
    expect(yes.code).toBe(0);
  });

  it('a message carrying control characters stays one line, escaped', async () => {
    const result = await run(['normalize', 'bad\x1b[2J\nname.md']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('wirefeed: bad\\x1b[2J\\x0aname.md: no such file or directory (ENOENT)\n');
  });
});

describe('bugs and the process around the command', () => {
  it('an internal error shows its stack with a request to report it, exit 70', () => {
    let stderr = '';
    const code = reportError(new TypeError('Cannot read properties of undefined'), {
      stdout: () => undefined,
      stderr: (text) => {
        stderr += text;
      },
      env: {},
      cwd: '/',
    });
    expect(code).toBe(70);
    expect(stderr).toMatch(/^wirefeed: internal error: Cannot read properties of undefined\nTypeError: Cannot read/);
    expect(stderr).toMatch(/\n {4}at .+\n/);
    expect(stderr).toMatch(/This is a bug in wirefeed \d+\.\d+\.\d+\. Please report it/);
  });

  it('a reader that closes the pipe early (`subscribers list | head -1`) ends the command quietly', async () => {
    // Enough subscribers that the listing is far larger than a pipe holds, so the command is still writing.
    const repository = new SubscriberRepository(new FsStore(ws.stateDir));
    for (let i = 0; i < 1500; i++) {
      // Distinct URLs: the duplicate check (a listing per add) would make the seeding quadratic.
      await repository.add(`https://hooks${i}.example.com/in`, {
        allowPrivateTargets: false,
        now: new Date(),
        force: true,
      });
    }
    const child = spawn(process.execPath, [BIN, 'subscribers', 'list'], {
      cwd: ws.root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const firstLine = await new Promise<string>((resolve) => {
      child.stdout.once('data', (chunk: Buffer) => {
        child.stdout.destroy();
        resolve(chunk.toString().split('\n', 1)[0] ?? '');
      });
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', (exit) => resolve(exit)));
    expect(firstLine).toMatch(/^sub_\S+ {2}active {2}https:\/\/hooks\d+\.example\.com\/in/);
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('the published site stays as it was when the build fails on a bad site.json', async () => {
    expect((await run(['build'])).code).toBe(0);
    const before = await ws.outputFiles();
    await writeFile(join(ws.contentDir, 'site.json'), JSON.stringify({ ...TEST_SITE }).replace('}', ',}'));
    expect((await run(['build'])).code).toBe(1);
    expect(await ws.outputFiles()).toEqual(before);
  });
});
