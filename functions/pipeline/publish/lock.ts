/**
 * One writer at a time: a lease on the state store, built on the port's conditional writes
 * (docs/ARCHITECTURE.md, "One writer"). The lease object (`lock.json`) is created only if absent, renewed and
 * released only in the exact version this run wrote, so two runs can never both believe they hold it:
 *
 * - in a directory it is a lock file naming the holder's host and pid; a holder that died (same host, pid gone)
 *   or whose lease expired is taken over at once;
 * - on S3 it is a lease whose expiry the holder renews between steps; a holder that stopped renewing (a Lambda
 *   that timed out) is taken over once its lease has run out.
 *
 * A run that finds its lease taken over stops before its next write (LeaseLostError). The lease cannot fence
 * writes the holder has already sent; renewing well before expiry is what keeps that window closed.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { LeaseLostError, PreconditionFailedError, WriterBusyError } from '../../core/errors.ts';
import type { Clock, ObjectStore } from '../../core/ports.ts';
import { LOCK_KEY } from '../../core/state-keys.ts';

/** Long enough for any single step of a run; renewed when half of it is left. */
export const DEFAULT_LEASE_MS = 2 * 60 * 1000;
const ACQUIRE_ATTEMPTS = 4;
/** Tokens of the leases this process holds now: a lease naming this process but not listed here is left over. */
const HELD_HERE = new Set<string>();

interface LeaseRecord {
  readonly holder: { readonly host: string; readonly pid: number };
  readonly token: string;
  readonly acquired: string;
  readonly expires: string;
}

export interface LeaseOptions {
  readonly clock: Clock;
  readonly leaseMs?: number;
  /** Who this run is; defaults to this machine and process. */
  readonly host?: string;
  readonly pid?: number;
  /** Whether a process on this host is still running; defaults to signal 0. */
  readonly isAlive?: (pid: number) => boolean;
}

function isAliveBySignal(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
}

function parseLease(body: Uint8Array): LeaseRecord | null {
  try {
    const value = JSON.parse(Buffer.from(body).toString('utf8')) as Partial<LeaseRecord> | null;
    if (
      typeof value?.holder?.host !== 'string' ||
      typeof value.holder.pid !== 'number' ||
      typeof value.token !== 'string' ||
      typeof value.acquired !== 'string' ||
      typeof value.expires !== 'string' ||
      Number.isNaN(Date.parse(value.expires))
    ) {
      return null;
    }
    return value as LeaseRecord;
  } catch {
    return null;
  }
}

/** The lease as stored, for `wirefeed status`: who holds it since when, and whether it is still valid at `now`. */
export async function describeLease(
  state: ObjectStore,
  now: Date,
): Promise<{ readonly host: string; readonly pid: number; readonly acquired: string; readonly valid: boolean } | null> {
  const object = await state.get(LOCK_KEY);
  const held = object === null ? null : parseLease(object.body);
  if (held === null) return null;
  return { ...held.holder, acquired: held.acquired, valid: Date.parse(held.expires) > now.getTime() };
}

/** The writer lease this run holds on a state store. */
export class WriterLease {
  readonly #state: ObjectStore;
  readonly #clock: Clock;
  readonly #leaseMs: number;
  #record: LeaseRecord;
  #etag: string;
  #released = false;

  private constructor(state: ObjectStore, clock: Clock, leaseMs: number, record: LeaseRecord, etag: string) {
    this.#state = state;
    this.#clock = clock;
    this.#leaseMs = leaseMs;
    this.#record = record;
    this.#etag = etag;
    HELD_HERE.add(record.token);
  }

  /**
   * Takes the lease, or throws WriterBusyError naming the run that holds it. A lease whose holder died on this
   * host, or that expired, is taken over (only one of several runs trying at once can succeed).
   */
  static async acquire(state: ObjectStore, options: LeaseOptions): Promise<WriterLease> {
    const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    const host = options.host ?? hostname();
    const pid = options.pid ?? process.pid;
    const isAlive = options.isAlive ?? isAliveBySignal;
    for (let attempt = 1; ; attempt++) {
      const now = options.clock.now();
      const record: LeaseRecord = {
        holder: { host, pid },
        token: randomUUID(),
        acquired: now.toISOString(),
        expires: new Date(now.getTime() + leaseMs).toISOString(),
      };
      const body = `${JSON.stringify(record)}\n`;
      try {
        const { etag } = await state.put(LOCK_KEY, body, { ifNoneMatch: '*', contentType: 'application/json' });
        return new WriterLease(state, options.clock, leaseMs, record, etag);
      } catch (error) {
        if (!(error instanceof PreconditionFailedError)) throw error;
      }
      const current = await state.get(LOCK_KEY);
      if (current !== null) {
        const held = parseLease(current.body);
        const sameHost = held?.holder.host === host;
        const stale =
          held === null ||
          Date.parse(held.expires) <= now.getTime() ||
          (sameHost && held.holder.pid !== pid && !isAlive(held.holder.pid)) ||
          // This process's own earlier run, which failed before it could release (e.g. the release write failed).
          (sameHost && held.holder.pid === pid && !HELD_HERE.has(held.token));
        if (!stale) {
          throw new WriterBusyError(
            `${state.location}: another wirefeed run is publishing with this state (pid ${held.holder.pid} on ${held.holder.host}, since ${held.acquired}); nothing was written, try again when it has finished`,
          );
        }
        try {
          const { etag } = await state.put(LOCK_KEY, body, { ifMatch: current.etag, contentType: 'application/json' });
          return new WriterLease(state, options.clock, leaseMs, record, etag);
        } catch (error) {
          if (!(error instanceof PreconditionFailedError)) throw error;
        }
      }
      // Someone else created, released or took over the lease in between: look again.
      if (attempt >= ACQUIRE_ATTEMPTS) {
        throw new WriterBusyError(`${state.location}: other wirefeed runs keep taking the writer lease; try again`);
      }
    }
  }

  /** When the lease runs out unless renewed. */
  get expires(): Date {
    return new Date(this.#record.expires);
  }

  /** Extends the lease when less than half of it is left; throws LeaseLostError if it was taken over. */
  async renewIfDue(): Promise<void> {
    const now = this.#clock.now().getTime();
    if (Date.parse(this.#record.expires) - now > this.#leaseMs / 2) return;
    await this.renew();
  }

  /** Extends the lease now; throws LeaseLostError if it was taken over. */
  async renew(): Promise<void> {
    const now = this.#clock.now().getTime();
    const record: LeaseRecord = { ...this.#record, expires: new Date(now + this.#leaseMs).toISOString() };
    try {
      const { etag } = await this.#state.put(LOCK_KEY, `${JSON.stringify(record)}\n`, {
        ifMatch: this.#etag,
        contentType: 'application/json',
      });
      this.#record = record;
      this.#etag = etag;
    } catch (error) {
      if (error instanceof PreconditionFailedError) {
        throw new LeaseLostError(
          `${this.#state.location}: this run's writer lease expired and was taken over by another run; stopped before writing more (the next run continues from the journal)`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  /** Gives the lease up, unless another run has taken it over since (its lease is then left alone). */
  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    HELD_HERE.delete(this.#record.token);
    try {
      await this.#state.delete(LOCK_KEY, { ifMatch: this.#etag });
    } catch (error) {
      if (!(error instanceof PreconditionFailedError)) throw error;
    }
  }
}
