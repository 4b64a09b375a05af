/** Reading JSON that a person or a crash may have broken, with errors that say where. Pure. */
import { InvalidJsonError, StoreError } from './errors.ts';
import type { StoredObject } from './ports.ts';
import { describeInvalidUtf8 } from './utf8.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true });
const MAX_DEPTH = 512;

/**
 * Decodes strict UTF-8 (a leading byte-order mark is dropped) and parses JSON.
 * @throws InvalidJsonError, e.g. `not valid JSON: line 4, column 3: trailing comma before "}"` or
 *   `not valid UTF-8: byte 0xE9 at offset 17 (line 2)`.
 */
export function parseJsonBytes(bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch (error) {
    throw new InvalidJsonError(`not valid UTF-8: ${describeInvalidUtf8(bytes)}`, { cause: error });
  }
  return parseJsonText(text);
}

/** Parses JSON; throws InvalidJsonError with the line, column and reason of the first syntax error. */
export function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (error) {
    const problem = findJsonError(text);
    const where =
      problem === null ? (error as Error).message : `${lineColumn(text, problem.offset)}: ${problem.reason}`;
    throw new InvalidJsonError(`not valid JSON: ${where}`, { cause: error });
  }
}

/**
 * A stored JSON record (an outbox job, a subscriber), or null when there is none.
 * @throws StoreError naming the record's location and what is wrong with it.
 */
export function parseStoredJson(object: StoredObject | null, location: string, what: string): unknown {
  if (object === null) return null;
  try {
    return parseJsonBytes(object.body);
  } catch (error) {
    throw new StoreError('get', location, `${what} is ${(error as Error).message}`, { cause: error });
  }
}

function lineColumn(text: string, offset: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return `line ${line}, column ${offset - lineStart + 1}`;
}

interface JsonProblem {
  readonly offset: number;
  readonly reason: string;
}

class Stop {
  constructor(readonly problem: JsonProblem) {}
}

/**
 * The first syntax error in `text` (which JSON.parse refused): a small validating scanner, since JSON.parse's own
 * messages give no line, differ between Node versions and often give no position at all.
 */
function findJsonError(text: string): JsonProblem | null {
  let i = 0;
  const fail = (reason: string, at = i): never => {
    throw new Stop({ offset: at, reason });
  };
  const describe = (): string => {
    if (i >= text.length) return 'unexpected end of input';
    const char = text[i] as string;
    return char.charCodeAt(0) < 32
      ? `unexpected control character U+${char.charCodeAt(0).toString(16).padStart(4, '0')}`
      : `unexpected ${JSON.stringify(char)}`;
  };
  const space = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++;
  };
  const literal = (word: string) => {
    if (text.startsWith(word, i)) i += word.length;
    else fail(`expected a value, found ${JSON.stringify(/^[A-Za-z0-9_]+/.exec(text.slice(i, i + 40))?.[0] ?? '')}`);
  };
  const string = () => {
    const opened = i;
    i++;
    while (i < text.length && text[i] !== '"') {
      const code = text.charCodeAt(i);
      if (code < 32) fail('unescaped control character in a string (line breaks inside strings must be written \\n)');
      if (text[i] === '\\') {
        const escaped = text[i + 1];
        if (escaped === 'u') {
          if (!/^[0-9A-Fa-f]{4}$/.test(text.slice(i + 2, i + 6))) fail('\\u must be followed by four hex digits');
          i += 6;
          continue;
        }
        if (escaped === undefined || !'"\\/bfnrt'.includes(escaped)) fail(`invalid escape \\${escaped ?? ''}`);
        i += 2;
        continue;
      }
      i++;
    }
    if (i >= text.length) fail('string never closed (it opens here)', opened);
    i++;
  };
  const number = () => {
    const match = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i, i + 400));
    if (match === null || match[0] === '-') fail('invalid number');
    i += (match as RegExpExecArray)[0].length;
    if (/^[0-9.eE+-]/.test(text[i] ?? '')) fail('invalid number');
  };
  const value = (depth: number): void => {
    if (depth > MAX_DEPTH) fail(`nested more than ${MAX_DEPTH} levels deep`);
    space();
    const char = text[i];
    if (char === '{') container(depth, '}', true);
    else if (char === '[') container(depth, ']', false);
    else if (char === '"') string();
    else if (char === '-' || (char !== undefined && char >= '0' && char <= '9')) number();
    else if (char === 't') literal('true');
    else if (char === 'f') literal('false');
    else if (char === 'n') literal('null');
    else if (char === "'") fail('strings must use double quotes');
    else fail(i >= text.length ? 'unexpected end of input (expected a value)' : `expected a value, ${describe()}`);
  };
  const container = (depth: number, close: string, object: boolean): void => {
    i++;
    space();
    if (text[i] === close) {
      i++;
      return;
    }
    for (;;) {
      if (object) {
        space();
        if (text[i] !== '"')
          fail(
            text[i] === "'"
              ? 'property names must use double quotes'
              : `expected a property name in double quotes, ${describe()}`,
          );
        string();
        space();
        if (text[i] !== ':') fail(`expected ":" after the property name, ${describe()}`);
        i++;
      }
      value(depth + 1);
      space();
      if (text[i] === close) {
        i++;
        return;
      }
      if (text[i] !== ',') fail(`expected "," or "${close}", ${describe()}`);
      const comma = i;
      i++;
      space();
      if (text[i] === close) fail(`trailing comma before "${close}"`, comma);
    }
  };
  try {
    if (text.charCodeAt(0) === 0xfeff) i = 1;
    value(0);
    space();
    if (i < text.length) fail(`unexpected text after the end of the JSON value`);
    return null;
  } catch (stop) {
    if (stop instanceof Stop) return stop.problem;
    throw stop;
  }
}
