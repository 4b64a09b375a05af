/** Runs the commands an operator runs (`npx cdk …`, `npx wirefeed …`) against the emulator, never against AWS. */
import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EMULATOR_REGION, type Emulator } from './emulator.ts';

export const ROOT = resolve(import.meta.dirname, '../..');

/**
 * The environment of a shell pointed at the emulator the standard way: `AWS_ENDPOINT_URL` for every service,
 * dummy credentials, and nothing from the host's AWS configuration (no profile, no config or credentials file,
 * no CDK_DEFAULT_* left over), so a real account can never be reached.
 *
 * `AWS_ENDPOINT_URL_S3_FOR_CLOUDFORMATION` is the CLI's own variable for the S3 URL it puts in CreateChangeSet's
 * TemplateURL: moto parses that URL back into a bucket and key, and reads `http://127.0.0.1:…/bucket/key` as a
 * bucket named "127"; with `localhost` it finds the bucket in the path.
 */
export function cliEnvironment(emulator: Emulator, home: string): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('AWS_') && !key.startsWith('CDK_')),
  );
  return {
    ...inherited,
    HOME: home,
    AWS_ACCESS_KEY_ID: 'emulator',
    AWS_SECRET_ACCESS_KEY: 'emulator',
    AWS_REGION: EMULATOR_REGION,
    AWS_DEFAULT_REGION: EMULATOR_REGION,
    AWS_ENDPOINT_URL: emulator.url,
    AWS_ENDPOINT_URL_S3_FOR_CLOUDFORMATION: `http://localhost:${emulator.port}`,
    AWS_CONFIG_FILE: join(home, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    CDK_DISABLE_VERSION_CHECK: '1',
    FORCE_COLOR: '0',
  };
}

export interface Completed {
  readonly code: number | null;
  /** stdout and stderr, interleaved as they came. */
  readonly output: string;
}

/** Runs `command args` in the repository root; its output is also appended to `logFile`. */
export function run(command: string, args: string[], env: NodeJS.ProcessEnv, logFile: string): Promise<Completed> {
  appendFileSync(logFile, `\n$ ${command} ${args.join(' ')}\n`);
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      appendFileSync(logFile, chunk);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', fail);
    child.on('close', (code) => done({ code, output }));
  });
}
