/**
 * The local DeliveryQueue and JobLedger: a durable outbox in the state store. One object per job under `outbox/jobs/`,
 * dead letters under `outbox/dead/`, one object per attempt under `outbox/log/<subscriber>/`. Every change is a
 * single whole-object write or delete, so a crash leaves each job either as it was or as it became — a job is
 * deleted only once its delivery succeeded, and a crash before that means it is sent again (same webhook-id).
 */
import {
  type DeadLetter,
  type DeadLetterBox,
  type DeadLetterReason,
  type DeadLetterSelection,
  type DeliveryAttempt,
  type DeliveryJob,
  type DeliveryQueue,
  type Outbox,
  selectsDeadLetter,
  type UnreadableLetter,
} from '../core/delivery.ts';
import { parseStoredJson } from '../core/json.ts';
import type { ObjectStore } from '../core/ports.ts';

const JOBS = 'outbox/jobs/';
const DEAD = 'outbox/dead/';
const LOG = 'outbox/log/';
const ENQUEUE_CONCURRENCY = 16;
const JSON_TYPE = { contentType: 'application/json; charset=utf-8' } as const;

/**
 * A dead letter as stored: the DeadLetter shape, or the job-with-`deadAt` shape earlier versions wrote, whose reason
 * is recovered from its last error.
 */
function readDeadLetter(value: unknown): DeadLetter {
  const record = value as Partial<DeadLetter> & Partial<DeliveryJob>;
  if (record.job !== undefined && record.reason !== undefined) return record as DeadLetter;
  const { deadAt = '', ...job } = record as DeliveryJob & { deadAt?: string };
  const error = job.lastError ?? '';
  const reason: DeadLetterReason = error.startsWith('subscriber disabled')
    ? 'disabled'
    : error.startsWith('refused')
      ? 'refused'
      : 'expired';
  return { job, reason, deadAt };
}

function safeSegment(text: string): string {
  return text.replace(/[^A-Za-z0-9_.-]/g, '_');
}

export class OutboxQueue implements DeliveryQueue, Outbox, DeadLetterBox {
  readonly #state: ObjectStore;

  constructor(state: ObjectStore) {
    this.#state = state;
  }

  get location(): string {
    return `${this.#state.location}/${DEAD}`;
  }

  async #readAll<T>(prefix: string): Promise<T[]> {
    const keys: string[] = [];
    for await (const info of this.#state.list(prefix)) if (info.key.endsWith('.json')) keys.push(info.key);
    const read = async (key: string) =>
      parseStoredJson(await this.#state.get(key), `${this.#state.location}/${key}`, 'outbox record');
    const records = await Promise.all(keys.map(read));
    return records.filter((record) => record !== null) as T[];
  }

  #put(key: string, value: unknown): Promise<unknown> {
    return this.#state.put(key, `${JSON.stringify(value)}\n`, JSON_TYPE);
  }

  /** Adds jobs not already waiting or dead; a job id already present keeps its attempts and schedule. */
  async enqueue(jobs: readonly DeliveryJob[]): Promise<void> {
    const add = async (job: DeliveryJob) => {
      if (await this.#state.head(`${JOBS}${job.id}.json`)) return;
      if (await this.#state.head(`${DEAD}${job.id}.json`)) return;
      await this.#put(`${JOBS}${job.id}.json`, job);
    };
    // A few writes in flight at once: a build fanning out to many subscribers should not wait on each in turn.
    for (let i = 0; i < jobs.length; i += ENQUEUE_CONCURRENCY) {
      await Promise.all(jobs.slice(i, i + ENQUEUE_CONCURRENCY).map(add));
    }
  }

  /** Every waiting job, soonest first. */
  async pending(): Promise<DeliveryJob[]> {
    const jobs = await this.#readAll<DeliveryJob>(JOBS);
    return jobs.sort((a, b) => a.notBefore.localeCompare(b.notBefore) || a.id.localeCompare(b.id));
  }

  /** Jobs whose time has come. */
  async due(now: Date): Promise<DeliveryJob[]> {
    const limit = now.getTime();
    return (await this.pending()).filter((job) => Date.parse(job.notBefore) <= limit);
  }

  /** The job was delivered: forget it. */
  async complete(job: DeliveryJob): Promise<void> {
    await this.#state.delete(`${JOBS}${job.id}.json`);
  }

  /** Keeps the job as given (its failed attempt already counted), not to be attempted before `at`. */
  async retryAt(job: DeliveryJob, at: Date): Promise<void> {
    await this.#put(`${JOBS}${job.id}.json`, { ...job, notBefore: at.toISOString() });
  }

  /** Moves the job to the dead letters. */
  async deadLetter(letter: DeadLetter): Promise<void> {
    // Written before the job is removed: a crash in between leaves a duplicate, never a loss.
    await this.#put(`${DEAD}${letter.job.id}.json`, letter);
    await this.#state.delete(`${JOBS}${letter.job.id}.json`);
  }

  /** Dead letters, oldest first. */
  async listDead(): Promise<DeadLetter[]> {
    const dead = (await this.#readAll<unknown>(DEAD)).map(readDeadLetter);
    return dead.sort((a, b) => a.deadAt.localeCompare(b.deadAt) || a.job.id.localeCompare(b.job.id));
  }

  /** The dead letters `selection` names, oldest first (the outbox holds nothing unreadable: a bad record throws). */
  async list(selection: DeadLetterSelection = {}): Promise<{ letters: DeadLetter[]; unreadable: UnreadableLetter[] }> {
    return {
      letters: (await this.listDead()).filter((letter) => selectsDeadLetter(selection, letter)),
      unreadable: [],
    };
  }

  /**
   * Puts the selected dead letters back in the queue, oldest first, with a fresh schedule and their event (so their
   * webhook-id) unchanged. The job is written before its letter is deleted: a crash in between leaves both, and the
   * next replay or enqueue finds the job already waiting.
   * @returns the letters replayed.
   */
  async replay(selection: DeadLetterSelection, now: Date): Promise<DeadLetter[]> {
    const { letters } = await this.list(selection);
    for (const letter of letters) {
      const { lastStatus: _status, lastError: _error, ...job } = letter.job;
      await this.#put(`${JOBS}${job.id}.json`, { ...job, attempts: 0, notBefore: now.toISOString() });
      await this.#state.delete(`${DEAD}${job.id}.json`);
    }
    return letters;
  }

  /** Makes a waiting job due now (its attempts so far kept). @returns the job, or null when none has this id. */
  async retryNow(jobId: string, now: Date): Promise<DeliveryJob | null> {
    const job = (await this.pending()).find((waiting) => waiting.id === jobId);
    if (job === undefined) return null;
    const due: DeliveryJob = { ...job, notBefore: now.toISOString() };
    await this.#put(`${JOBS}${job.id}.json`, due);
    return due;
  }

  async recordAttempt(record: DeliveryAttempt): Promise<void> {
    const key = `${LOG}${safeSegment(record.subscriberId)}/${record.time.replace(/[:.]/g, '')}-${record.jobId}-${record.attempt}.json`;
    await this.#put(key, record);
  }

  /** Recorded attempts, oldest first. */
  async listAttempts(filter: { subscriberId?: string } = {}): Promise<DeliveryAttempt[]> {
    const prefix = filter.subscriberId === undefined ? LOG : `${LOG}${safeSegment(filter.subscriberId)}/`;
    const records = await this.#readAll<DeliveryAttempt>(prefix);
    return records.sort(
      (a, b) => a.time.localeCompare(b.time) || a.jobId.localeCompare(b.jobId) || a.attempt - b.attempt,
    );
  }
}
