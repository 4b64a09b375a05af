/**
 * The schedule: source keys held back because their `date` is in the future, with the instant each falls due
 * (docs/ARCHITECTURE.md, "Scheduled articles"). The root object keeps the earliest instant (`Head.nextDue`), so a
 * run learns whether anything is due from the object it reads anyway; only a run with something due, or one that
 * schedules or releases a source, reads `schedule.json`. Like the source index, it is stored at checkpoints: the
 * journal holds each batch's schedule changes until then, and a crash re-applies them.
 */
import type { ObjectStore } from '../../core/ports.ts';
import { SCHEDULE_KEY } from '../../core/state-keys.ts';
import { invalidState, JSON_TYPE, readState } from './state.ts';

/** A source key and the instant (ISO 8601 UTC) it falls due, or null: not scheduled. */
export type ScheduleChange = readonly [key: string, due: string | null];

function parseSchedule(state: ObjectStore, value: unknown): Map<string, string> {
  const entries = (value as { entries?: unknown } | null)?.entries;
  const valid =
    Array.isArray(entries) &&
    entries.every(
      (e) =>
        Array.isArray(e) &&
        e.length === 2 &&
        typeof e[0] === 'string' &&
        typeof e[1] === 'string' &&
        !Number.isNaN(Date.parse(e[1])),
    );
  if (!valid) throw invalidState(state, SCHEDULE_KEY, 'schedule is not what wirefeed writes (entries of [key, due])');
  return new Map(entries as [string, string][]);
}

export class Schedule {
  readonly #state: ObjectStore;
  /** The earliest due instant as the root object records it (null: nothing is scheduled, no need to read). */
  readonly #recorded: string | null;
  #entries: Map<string, string> | null = null;
  #dirty = false;

  constructor(state: ObjectStore, recorded: string | null) {
    this.#state = state;
    this.#recorded = recorded;
  }

  async #load(): Promise<Map<string, string>> {
    if (this.#entries !== null) return this.#entries;
    const read =
      this.#recorded === null
        ? null
        : await readState(this.#state, SCHEDULE_KEY, (value) => parseSchedule(this.#state, value), 'schedule');
    this.#entries = read?.value ?? new Map();
    return this.#entries;
  }

  /** Source keys due at `now`, sorted (none, without a read, when the earliest instant is later). */
  async dueAt(now: Date): Promise<string[]> {
    if (this.#recorded === null || Date.parse(this.#recorded) > now.getTime()) return [];
    const entries = await this.#load();
    return [...entries]
      .filter(([, due]) => Date.parse(due) <= now.getTime())
      .map(([key]) => key)
      .sort();
  }

  /** The changes among `changes` that differ from the schedule (reads it only when something is scheduled). */
  async differing(changes: readonly ScheduleChange[]): Promise<ScheduleChange[]> {
    if (this.#entries === null && this.#recorded === null && changes.every(([, due]) => due === null)) return [];
    const entries = await this.#load();
    return changes.filter(([key, due]) => (entries.get(key) ?? null) !== due);
  }

  async apply(changes: readonly ScheduleChange[]): Promise<void> {
    if (changes.length === 0) return;
    const entries = await this.#load();
    for (const [key, due] of changes) {
      if (due === null) entries.delete(key);
      else entries.set(key, due);
    }
    this.#dirty = true;
  }

  /** The earliest due instant after the changes applied so far, or null. */
  next(): string | null {
    if (this.#entries === null) return this.#recorded;
    let earliest: string | null = null;
    for (const due of this.#entries.values()) {
      if (earliest === null || Date.parse(due) < Date.parse(earliest)) earliest = due;
    }
    return earliest;
  }

  /** Stores the changes (sorted by instant, then key); returns the earliest due instant for the root object. */
  async flush(): Promise<string | null> {
    if (this.#dirty && this.#entries !== null) {
      const entries = [...this.#entries].sort(
        ([ka, a], [kb, b]) => Date.parse(a) - Date.parse(b) || (ka < kb ? -1 : 1),
      );
      if (entries.length === 0) await this.#state.delete(SCHEDULE_KEY);
      else await this.#state.put(SCHEDULE_KEY, `${JSON.stringify({ format: 1, entries })}\n`, JSON_TYPE);
      this.#dirty = false;
    }
    return this.next();
  }
}
