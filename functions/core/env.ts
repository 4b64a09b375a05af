/**
 * Typed values out of an environment record, for the handlers' configuration and the CLI alike. The caller passes
 * the record (`process.env` at the edge, a literal in tests); nothing here reads the process environment.
 */
import { maskCredentials } from './display.ts';
import { ConfigError } from './errors.ts';
import { parsePeriod } from './subscriber-health.ts';

export type Env = Readonly<Record<string, string | undefined>>;

/** The one list of spellings a flag variable accepts (case-insensitive); unset or empty means off. */
export const FLAG_SPELLINGS = { on: ['1', 'true', 'yes', 'on'], off: ['0', 'false', 'no', 'off'] } as const;

/**
 * A flag such as `WIREFEED_ALLOW_PRIVATE_TARGETS`. Anything outside FLAG_SPELLINGS is an error rather than "off", so a
 * typo is noticed instead of silently doing the other thing.
 * @throws ConfigError naming the variable and the spellings it accepts.
 */
export function readFlag(env: Env, name: string): boolean {
  const value = env[name]?.trim().toLowerCase();
  if (value === undefined || value === '') return false;
  if ((FLAG_SPELLINGS.on as readonly string[]).includes(value)) return true;
  if ((FLAG_SPELLINGS.off as readonly string[]).includes(value)) return false;
  throw new ConfigError(
    `Environment variable ${name} must be one of ${FLAG_SPELLINGS.on.join(', ')} (on) or ` +
      `${FLAG_SPELLINGS.off.join(', ')} (off), got "${env[name]}"`,
  );
}

/** @throws ConfigError when the variable is unset or blank. */
export function readRequired(env: Env, name: string): string {
  const value = env[name]?.trim();
  if (value === undefined || value === '') throw new ConfigError(`Environment variable ${name} is required`);
  return value;
}

/** An absolute http(s) URL. @throws ConfigError when unset, relative or of another scheme. */
export function readUrl(env: Env, name: string): string {
  const value = readRequired(env, name);
  let url: URL;
  try {
    url = new URL(value);
  } catch (cause) {
    throw new ConfigError(`Environment variable ${name} must be an absolute URL, got "${maskCredentials(value)}"`, {
      cause,
    });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(`Environment variable ${name} must be an http(s) URL, got "${maskCredentials(value)}"`);
  }
  return value;
}

/** A TCP port (0 to 65535), or `fallback` when the variable is unset or blank. @throws ConfigError otherwise. */
export function readPort(env: Env, name: string, fallback: number): number {
  const value = env[name]?.trim();
  if (value === undefined || value === '') return fallback;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) {
    throw new ConfigError(`Environment variable ${name} must be a port number from 0 to 65535, got "${env[name]}"`);
  }
  return port;
}

/**
 * A period such as `5d`, `36h` or `90m`, or `off`/`never` (null: no limit); `fallback` when unset or blank.
 * @throws ConfigError naming the variable and the spellings it accepts.
 */
export function readPeriod(env: Env, name: string, fallback: number | null): number | null {
  const value = env[name]?.trim();
  if (value === undefined || value === '') return fallback;
  const period = parsePeriod(value);
  if (period === undefined) {
    throw new ConfigError(
      `Environment variable ${name} must be a period such as 5d, 36h or 90m, or off, got "${env[name]}"`,
    );
  }
  return period;
}
