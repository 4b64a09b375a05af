/**
 * Text a remote party controls (a receiver's response body and errors, a subscriber URL, a stored record), made safe
 * to print on a terminal, and URLs with their credentials masked. Pure.
 */

/**
 * C0 controls, DEL, C1 controls (U+009B is a one-character CSI on some terminals) and the bidirectional overrides and
 * isolates that can make a line read differently from what it holds.
 */
const UNSAFE = /[\u0000-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g;
const UNSAFE_KEEPING_LINES = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g;

function escapeChar(char: string): string {
  const code = char.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * `text` with every control character shown as an escape (`\x1b`, `\u202e`), so printing it cannot move the cursor,
 * recolour the terminal, set its title or reorder the line. With `multiline`, line feeds and tabs stay as they are.
 */
export function printable(text: string, options: { multiline?: boolean } = {}): string {
  return text.replace(options.multiline ? UNSAFE_KEEPING_LINES : UNSAFE, escapeChar);
}

/** JSON for a terminal: the same value, with C1 and bidirectional controls escaped too (JSON.stringify leaves them). */
export function printableJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(
    /[\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:[/\\]{2}/;

/**
 * The URL with anything that may be credentials replaced by `***`. For a URL that parses with credentials, the
 * user-info is what the URL standard takes it to be: everything before the last `@` of the authority
 * (`https://us@er:secret@host/`). For one that does not parse (`https://user:pa/ss@host/`: a `/` in the password),
 * everything before the last `@` goes, since no parser can say where the credentials end; so does a `user:pass`
 * that a parser read as a host, a port and a path (`https://user:123/ss@host/`). A plain `@` in a path
 * (`https://host/@alice`) is left alone.
 */
export function maskCredentials(url: string): string {
  if (!url.includes('@')) return url;
  const start = SCHEME.exec(url)?.[0].length ?? 0;
  let parsed: URL | null = null;
  try {
    parsed = new URL(url);
  } catch {
    // Unparseable: the conservative rule below applies.
  }
  const parsedCredentials = parsed !== null && (parsed.username !== '' || parsed.password !== '');
  const rest = url.slice(start);
  const stop = rest.search(parsedCredentials ? /[/\\?#]/ : parsed === null ? /$/ : /[?#]/);
  const at = url.lastIndexOf('@', start + (stop === -1 ? rest.length : stop) - 1);
  if (at < start) return url;
  if (parsed !== null && !parsedCredentials && !url.slice(start, at).includes(':')) return url;
  return `${url.slice(0, start)}***${url.slice(at)}`;
}

/** A URL as it may be printed: credentials masked, control characters escaped. */
export function displayUrl(url: string): string {
  return printable(maskCredentials(url));
}
