/**
 * A small pool of worker threads that normalize article sources for the CLI's full and large builds
 * (docs/ARCHITECTURE.md, "Worker pool"). Its own rather than piscina or tinypool: the work is one pure function
 * with one small message each way, and the pool has to start its workers both from the esbuild bundle in dist/
 * (`dist/normalize-worker.js`, an entry point of bin/bundle-cli.mjs) and from the TypeScript sources through tsx
 * (normalize-worker-tsx.mjs), which those libraries' file-name based workers do not do without the same shim —
 * about 100 lines here against a dependency and its workarounds.
 *
 * The workers start at the first `normalize` call, so a run that never uses the pool never starts a thread.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Article } from '../core/article.ts';
import { InvalidArticleError, WorkerPoolError } from '../core/errors.ts';
import type { ParallelNormalizer } from '../core/ports.ts';

/**
 * Fewest sources a run must examine before the pool is used. Measured by bench/pool-threshold.ts: starting a worker
 * from the bundle and getting its first article back costs what normalizing about 385 Markdown bench articles on
 * the main thread does (583 ms against 1.5 ms each, on a loaded 2-core machine; the ratio is what matters), so below
 * that the pool cannot pay for itself (docs/ARCHITECTURE.md, "Worker pool").
 */
export const POOL_THRESHOLD = 400;

/** Requests each worker holds at once: one in hand and the rest waiting, so a worker never idles on a round trip. */
const IN_FLIGHT_PER_WORKER = 4;

export interface PoolRequest {
  readonly id: number;
  readonly body: Uint8Array;
  readonly path: string;
}

export type PoolReply =
  | { readonly id: number; readonly ok: true; readonly article: Article }
  | { readonly id: number; readonly ok: false; readonly invalid: { readonly file: string; readonly reason: string } }
  | { readonly id: number; readonly ok: false; readonly message: string; readonly invalid?: undefined };

/** Worker threads a build uses by default: every core but the one the main thread keeps busy writing files. */
export function defaultWorkers(): number {
  return Math.max(1, availableParallelism() - 1);
}

interface Task {
  readonly request: PoolRequest;
  readonly resolve: (article: Article) => void;
  readonly reject: (error: Error) => void;
}

interface Slot {
  readonly worker: Worker;
  readonly tasks: Map<number, Task>;
}

/** The worker entry for the code this module was loaded from: the bundle's next to it, else the sources'. */
function startWorker(entry: URL | undefined): Worker {
  if (entry !== undefined) return new Worker(entry);
  if (import.meta.url.endsWith('.ts')) {
    const entry = new URL('./normalize-worker.ts', import.meta.url).href;
    return new Worker(new URL('./normalize-worker-tsx.mjs', import.meta.url), { workerData: { entry } });
  }
  return new Worker(new URL('./normalize-worker.js', import.meta.url));
}

export class NormalizePool implements ParallelNormalizer {
  readonly threshold: number;
  readonly workers: number;
  readonly #slots: Slot[] = [];
  readonly #queue: Task[] = [];
  #nextId = 0;
  #failure: WorkerPoolError | null = null;
  #closed = false;
  readonly #entry: URL | undefined;

  /**
   * @param options.workers threads to start (≥ 1, default {@link defaultWorkers})
   * @param options.threshold see {@link POOL_THRESHOLD}
   * @param options.entry another worker script (fault injection in tests); default the normalize worker
   */
  constructor(options: { readonly workers?: number; readonly threshold?: number; readonly entry?: URL } = {}) {
    this.workers = Math.max(1, Math.floor(options.workers ?? defaultWorkers()));
    this.threshold = options.threshold ?? POOL_THRESHOLD;
    this.#entry = options.entry;
  }

  /** Threads started so far (0 until the first call). */
  get started(): number {
    return this.#slots.length;
  }

  normalize(body: Uint8Array, path: string): Promise<Article> {
    if (this.#failure !== null) return Promise.reject(this.#failure);
    if (this.#closed) return Promise.reject(new WorkerPoolError('the normalize pool is closed'));
    if (this.#slots.length === 0) for (let i = 0; i < this.workers; i++) this.#slots.push(this.#start());
    return new Promise<Article>((resolve, reject) => {
      this.#queue.push({ request: { id: this.#nextId++, body, path }, resolve, reject });
      this.#dispatch();
    });
  }

  /** Stops the threads; calls still waiting are rejected. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#fail(new WorkerPoolError('the normalize pool was closed before the source was normalized'), false);
    await Promise.all(this.#slots.map(({ worker }) => worker.terminate()));
    this.#slots.length = 0;
  }

  #start(): Slot {
    const slot: Slot = { worker: startWorker(this.#entry), tasks: new Map() };
    slot.worker.on('message', (reply: PoolReply) => this.#settle(slot, reply));
    slot.worker.on('error', (error) => {
      this.#fail(new WorkerPoolError(`a normalize worker failed: ${error.message}`, { cause: error }), true);
    });
    slot.worker.on('exit', (code) => {
      if (!this.#closed) this.#fail(new WorkerPoolError(`a normalize worker exited with code ${code}`), true);
    });
    return slot;
  }

  #settle(slot: Slot, reply: PoolReply): void {
    const task = slot.tasks.get(reply.id);
    if (task === undefined) return;
    slot.tasks.delete(reply.id);
    if (reply.ok) task.resolve(reply.article);
    else if (reply.invalid !== undefined)
      task.reject(new InvalidArticleError(reply.invalid.file, reply.invalid.reason));
    else task.reject(new WorkerPoolError(`normalizing ${task.request.path} failed in a worker: ${reply.message}`));
    this.#dispatch();
  }

  #dispatch(): void {
    while (this.#queue.length > 0) {
      let slot: Slot | undefined;
      for (const candidate of this.#slots) {
        if (
          candidate.tasks.size < IN_FLIGHT_PER_WORKER &&
          (slot === undefined || candidate.tasks.size < slot.tasks.size)
        ) {
          slot = candidate;
        }
      }
      if (slot === undefined) return;
      const task = this.#queue.shift() as Task;
      slot.tasks.set(task.request.id, task);
      // A copy of its own, moved rather than cloned: the caller's buffer may be a view into a larger one.
      const body = new Uint8Array(task.request.body);
      slot.worker.postMessage({ ...task.request, body }, [body.buffer]);
    }
  }

  /** Rejects every waiting and in-flight call; a crashed worker makes the pool unusable for the rest of the build. */
  #fail(error: WorkerPoolError, permanent: boolean): void {
    if (permanent) this.#failure ??= error;
    const tasks = [...this.#queue.splice(0), ...this.#slots.flatMap((slot) => [...slot.tasks.values()])];
    for (const slot of this.#slots) slot.tasks.clear();
    for (const task of tasks) task.reject(error);
  }
}
