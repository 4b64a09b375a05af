/**
 * The state store as publish reads and writes it: JSON objects validated on every read, the per-article records,
 * and the concurrency every step uses. A record that is not what wirefeed wrote is a StateError naming its key.
 */
import { StateError } from '../../core/errors.ts';
import type { ObjectStore } from '../../core/ports.ts';
import { type ArticleRecord, parseArticleRecord, serializeRecord } from '../../core/records.ts';
import { recordKey } from '../../core/state-keys.ts';

/** Objects read or written at once: enough to hide S3 latency, few enough for a small Lambda. */
export const IO_CONCURRENCY = 16;
export const JSON_TYPE = { contentType: 'application/json' } as const;

export function textOf(body: Uint8Array): string {
  return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
}

/** Parses a state object's JSON, or throws a StateError naming the key. */
export function parseStateJson(state: ObjectStore, key: string, text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new StateError(`${state.location}/${key}`, key, `${what} is not valid JSON (truncated or damaged)`, {
      cause: error,
    });
  }
}

/** A StateError for a state object that parsed but is not what wirefeed writes. */
export function invalidState(state: ObjectStore, key: string, reason: string): StateError {
  return new StateError(`${state.location}/${key}`, key, reason);
}

/** Reads a JSON object and validates it with `parse`; null when the key is absent. */
export async function readState<T>(
  state: ObjectStore,
  key: string,
  parse: (value: unknown) => T,
  what: string,
): Promise<{ value: T; etag: string } | null> {
  const object = await state.get(key);
  if (object === null) return null;
  return { value: parse(parseStateJson(state, key, textOf(object.body), what)), etag: object.etag };
}

/** Reads one article record (null when the id has none). */
export async function readRecord(state: ObjectStore, id: string): Promise<ArticleRecord | null> {
  const key = recordKey(id);
  const object = await state.get(key);
  if (object === null) return null;
  return parseArticleRecord(textOf(object.body), state.location, key);
}

/**
 * Writes one record. A new record is created in place: it is written only inside a journaled batch whose intent
 * holds the id's pre-image (none), so a record a crash left partial is known to be this batch's and written again
 * (accept.ts).
 */
export async function writeRecord(state: ObjectStore, record: ArticleRecord): Promise<void> {
  await state.put(recordKey(record.id), serializeRecord(record), { ...JSON_TYPE, createInPlace: true });
}
