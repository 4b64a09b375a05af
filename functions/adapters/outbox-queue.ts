/**
 * The local DeliveryQueue: a durable outbox in the state store. One object per job under `outbox/jobs/`,
 * dead letters under `outbox/dead/`, one object per attempt under `outbox/log/<subscriber>/`. Every change is a
 * single whole-object write or delete, so a crash leaves each job either as it was or as it became — a job is
 * deleted only once its delivery succeeded, and a crash before that means it is sent again (same webhook-id).
 */
import type { DeliveryAttempt, DeliveryJob, DeliveryQueue } from '../core/delivery.ts';
import { StoreError } from '../core/errors.ts';
import type { ObjectStore } from '../core/ports.ts';

const JOBS = 'outbox/jobs/';
const DEAD = 'outbox/dead/';
const LOG = 'outbox/log/';
const ENQUEUE_CONCURRENCY = 16;
const JSON_TYPE = { contentType: 'application/json; charset=utf-8' } as const;

/** A dead letter: the job as it last stood, and when it gave up. */
export interface DeadLetter extends DeliveryJob {
  readonly deadAt: string;
}

function safeSegment(text: string): string {
  return text.replace(/[^A-Za-z0-9_.-]/g, '_');
}

export class OutboxQueue implements DeliveryQueue {
  readonly #state: ObjectStore;

  constructor(state: ObjectStore) {
    this.#state = state;
  }

  async #read<T>(key: string): Promise<T | null> {
    const object = await this.#state.get(key);
    if (!object) return null;
    try {
      return JSON.parse(Buffer.from(object.body).toString('utf8')) as T;
    } catch (error) {
      throw new StoreError('get', `${this.#state.location}/${key}`, 'outbox record is not valid JSON', {
        cause: error,
      });
    }
  }

  async #readAll<T>(prefix: string): Promise<T[]> {
    const keys: string[] = [];
    for await (const info of this.#state.list(prefix)) if (info.key.endsWith('.json')) keys.push(info.key);
    const records = await Promise.all(keys.map((key) => this.#read<T>(key)));
    return records.filter((r): r is Awaited<T> => r !== null) as T[];
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

  /** The attempt on `job` failed: keep it with one more attempt counted, not before `notBefore`. */
  async reschedule(job: DeliveryJob, notBefore: Date, lastStatus: number | null, lastError: string): Promise<void> {
    const next: DeliveryJob = {
      ...job,
      attempts: job.attempts + 1,
      notBefore: notBefore.toISOString(),
      lastStatus,
      lastError,
    };
    await this.#put(`${JOBS}${job.id}.json`, next);
  }

  /** The last attempt on `job` failed (or it cannot be delivered): move it to the dead letters. */
  async deadLetter(job: DeliveryJob, lastStatus: number | null, lastError: string, now = new Date()): Promise<void> {
    const dead: DeadLetter = { ...job, attempts: job.attempts + 1, lastStatus, lastError, deadAt: now.toISOString() };
    // Written before the job is removed: a crash in between leaves a duplicate, never a loss.
    await this.#put(`${DEAD}${job.id}.json`, dead);
    await this.#state.delete(`${JOBS}${job.id}.json`);
  }

  async listDead(): Promise<DeadLetter[]> {
    const dead = await this.#readAll<DeadLetter>(DEAD);
    return dead.sort((a, b) => a.deadAt.localeCompare(b.deadAt) || a.id.localeCompare(b.id));
  }

  /**
   * Puts dead letters back in the queue with a fresh schedule (all of them, or those named).
   * @returns the ids replayed; names that are not dead letters are left out.
   */
  async replay(jobIds?: string[], now = new Date()): Promise<string[]> {
    const wanted = jobIds === undefined ? null : new Set(jobIds);
    const replayed: string[] = [];
    for (const dead of await this.listDead()) {
      if (wanted && !wanted.has(dead.id)) continue;
      const { deadAt: _deadAt, lastStatus: _status, lastError: _error, ...job } = dead;
      await this.#put(`${JOBS}${dead.id}.json`, { ...job, attempts: 0, notBefore: now.toISOString() });
      await this.#state.delete(`${DEAD}${dead.id}.json`);
      replayed.push(dead.id);
    }
    return replayed;
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
