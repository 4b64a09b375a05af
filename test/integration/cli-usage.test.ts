/** Command lines the CLI cannot take (exit code 2, one line, the nearest correct spelling suggested) and help (0). */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wirefeed-usage-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(argv: string[]) {
  return runCli(argv, dir);
}

describe('usage errors (exit 2) and help (exit 0)', () => {
  it.each([
    [['build', '--outt', 'x'], 'build: unknown option --outt (did you mean --out?) (see wirefeed build --help)'],
    [['build', '--out'], 'build: --out needs a value (DIR|s3://BUCKET[/PREFIX]) (see wirefeed build --help)'],
    [['build', '--out', '--json'], 'build: --out needs a value (DIR|s3://BUCKET[/PREFIX]) (see wirefeed build --help)'],
    [['build', '--json=yes'], 'build: --json takes no value (see wirefeed build --help)'],
    [['build', 'extra'], 'build: unexpected argument "extra" (see wirefeed build --help)'],
    [['normalize'], 'normalize: expected FILE (see wirefeed normalize --help)'],
    [['biuld'], 'unknown command "biuld" (did you mean build?) (see wirefeed --help)'],
    [
      ['subscribers', 'lst'],
      'subscribers: unknown action "lst" (did you mean list?): add | list | update | pause | resume | enable | remove | rotate | expire-previous | test (see wirefeed subscribers --help)',
    ],
    [
      ['subscribers', 'add', 'https://hooks.example.com/', '--events', 'article.publish'],
      'subscribers add: unknown event type "article.publish" (did you mean article.published?)',
    ],
    [
      ['subscribers', 'add', 'https://hooks.example.com/', '--events', 'article*'],
      'subscribers add: unknown event type "article*" (did you mean article.*?)',
    ],
    [
      ['deliveries', 'log', '--subscribr', 'sub_x'],
      'deliveries log: unknown option --subscribr (did you mean --subscriber?) (see wirefeed deliveries log --help)',
    ],
    [['deliver', '--concurrency', '0'], 'deliver: --concurrency must be a whole number ≥ 1'],
    [['dev', '--port', '99999'], 'dev: invalid port "99999"'],
  ])('%j', async (argv, message) => {
    expect(await run(argv)).toEqual({ code: 2, stdout: '', stderr: `wirefeed: ${message}\n` });
  });

  it('--help on a command prints its usage and every option it takes, not Node’s parser text', async () => {
    const build = await run(['build', '--help']);
    expect(build.code).toBe(0);
    expect(build.stderr).toBe('');
    expect(build.stdout).toMatch(/^Usage: wirefeed build \[options\]\n\nPublishes content\//);
    for (const option of ['--content DIR', '--out DIR|s3://BUCKET[/PREFIX]', '--state', '--site-url URL', '--json']) {
      expect(build.stdout).toContain(option);
    }
    const add = await run(['subscribers', 'add', '-h']);
    expect(add.stdout).toMatch(/^Usage: wirefeed subscribers add URL \[options\]/);
    expect(add.stdout).toContain('--events TYPE,...');
    const group = await run(['subscribers', '--help']);
    expect(group.stdout).toMatch(/^Usage: wirefeed subscribers ACTION/);
    expect(group.stdout).toMatch(/\n {2}rotate ID +Gives a subscriber a new secret/);
    expect((await run(['deliver', '--help'])).stdout).toContain('--wait');
    expect((await run(['dev', '--help'])).stdout).toContain('WIREFEED_PORT');
  });
});
