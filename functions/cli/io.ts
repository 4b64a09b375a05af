/** What a CLI command may touch of its process: injected so commands are testable in-process. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  cwd: process.cwd(),
};

/** A CLI command: arguments after its name, the process surface; resolves to the exit code. */
export type Command = (argv: readonly string[], io: CliIo) => Promise<number>;
