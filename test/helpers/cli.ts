/** Runs the CLI's `main` in-process with captured output, as the CLI tests drive it. */
import type { CliIo } from '../../functions/cli/io.ts';
import { main } from '../../functions/cli/main.ts';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function runCli(argv: string[], cwd: string, env: Record<string, string> = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    env,
    cwd,
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}
