/**
 * One JSON object per line on stdout: CloudWatch Logs Insights can query every field, and the line is the same
 * whether the function's log format is JSON or text. Lambda's own console wrapper would nest the object inside a
 * `message` string in text mode, so handlers log through here.
 */
export type LogLevel = 'INFO' | 'WARN' | 'ERROR';

export function logJson(level: LogLevel, message: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ timestamp: new Date().toISOString(), level, message, ...fields })}\n`);
}

/** The parts of an error worth logging: name, message, and the `retryable` flag wirefeed errors carry. */
export function describeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { error: String(error) };
  const retryable = (error as { retryable?: unknown }).retryable;
  return { errorName: error.name, error: error.message, ...(typeof retryable === 'boolean' ? { retryable } : {}) };
}
