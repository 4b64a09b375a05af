/**
 * The dev server's rebuild schedule: one rebuild at a time, each handed every content key that changed since the
 * one before. Keys that arrive within the debounce, or while a rebuild runs, go to the one rebuild after it, so a
 * burst of saves costs one rebuild and no change is ever dropped.
 */

/** What one rebuild is asked to examine. */
export interface RebuildRequest {
  /** Content keys reported changed since the previous rebuild started, sorted. */
  readonly keys: readonly string[];
  /** Examine every source: at start, on demand, or when the watcher may have missed changes. */
  readonly full: boolean;
  /** Asked for because a scheduled article falls due (publish finds which through its schedule). */
  readonly due?: true;
}

interface Waiter {
  readonly after: number;
  readonly matches: (request: RebuildRequest) => boolean;
  readonly resolve: (request: RebuildRequest) => void;
}

export class RebuildQueue {
  readonly #run: (request: RebuildRequest) => Promise<void>;
  readonly #debounceMs: number;
  #keys = new Set<string>();
  #full = false;
  #due = false;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  /** How many rebuilds have started; a waiter waits for one numbered above the count it saw. */
  #started = 0;
  #waiters: Waiter[] = [];
  #closed = false;

  /** `run` must not throw: a failed rebuild is reported by it, and the next change tries again. */
  constructor(run: (request: RebuildRequest) => Promise<void>, debounceMs: number) {
    this.#run = run;
    this.#debounceMs = debounceMs;
  }

  /** Schedules a rebuild of `keys` (of everything when `full`) once no further change arrives for the debounce. */
  add(keys: readonly string[], full = false): void {
    if (this.#closed) return;
    for (const key of keys) this.#keys.add(key);
    this.#full ||= full;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#start();
    }, this.#debounceMs);
  }

  /** Runs a rebuild now (after the one running, if any) that examines what the schedule says is due. */
  wake(): void {
    if (this.#closed) return;
    this.#due = true;
    if (this.#timer === undefined) this.#start();
  }

  /** Runs a full rebuild now (after the one running, if any); resolves with it when it has finished. */
  reconcile(): Promise<RebuildRequest> {
    const done = this.next();
    this.#full = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#start();
    return done;
  }

  /**
   * Resolves with the request of the first rebuild started after this call whose request `matches` (default: the
   * first), once it has finished.
   */
  next(matches: (request: RebuildRequest) => boolean = () => true): Promise<RebuildRequest> {
    return new Promise((resolve) => this.#waiters.push({ after: this.#started, matches, resolve }));
  }

  /** Drops what is pending and waits for the running rebuild. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#keys.clear();
    this.#full = false;
    this.#due = false;
    await this.#running;
  }

  #start(): void {
    if (this.#running !== undefined || (this.#keys.size === 0 && !this.#full && !this.#due)) return;
    const request: RebuildRequest = {
      keys: [...this.#keys].sort(),
      full: this.#full,
      ...(this.#due ? { due: true as const } : {}),
    };
    const number = ++this.#started;
    this.#keys = new Set();
    this.#full = false;
    this.#due = false;
    this.#running = this.#run(request).then(() => {
      this.#running = undefined;
      const due = (waiter: Waiter) => waiter.after < number && waiter.matches(request);
      const done = this.#waiters.filter(due);
      this.#waiters = this.#waiters.filter((waiter) => !due(waiter));
      for (const waiter of done) waiter.resolve(request);
      // What arrived meanwhile has waited long enough, unless a change is still settling.
      if (this.#timer === undefined) this.#start();
    });
  }
}
