import { Worker } from 'node:worker_threads';
import type { WorkerReply, WorkerRequest } from './worker/impact-worker';

/** Heap cap of one impact worker (MiB): a runaway model fails alone, not the server. */
const WORKER_HEAP_MB = 2048;
/** A failed job's status stays visible this long before a new request tries again. */
const FAILED_RETENTION_MS = 15_000;

type Request = WorkerRequest extends infer R
  ? R extends { id: number }
    ? Omit<R, 'id'>
    : never
  : never;

/** One worker thread and what it holds. */
export class WorkerSlot {
  #worker: Worker;
  #seq = 0;
  readonly #pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void; progress: (p: string) => void }
  >();
  /** The baseline this worker holds (set by the service after a build). */
  baselineKey: string | null = null;
  busy = false;

  constructor() {
    this.#worker = this.#spawn();
  }

  #spawn(): Worker {
    const worker = new Worker(new URL('./worker/impact-worker-boot.mjs', import.meta.url), {
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
    });
    worker.unref();
    worker.on('message', (m: WorkerReply) => {
      const p = this.#pending.get(m.id);
      if (!p) return;
      if (m.type === 'progress') p.progress(m.phase);
      else {
        this.#pending.delete(m.id);
        if (m.type === 'done') p.resolve(m.value);
        else p.reject(new Error(m.message));
      }
    });
    const fail = (error: Error) => {
      for (const p of this.#pending.values()) p.reject(error);
      this.#pending.clear();
      this.baselineKey = null;
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      fail(
        this.#closed
          ? new PoolClosedError()
          : new Error(`the impact worker stopped (exit code ${code})`),
      );
      if (this.#worker === worker && !this.#closed) this.#worker = this.#spawn();
    });
    return worker;
  }

  #closed = false;

  call<T>(request: Request, progress: (phase: string) => void = () => {}): Promise<T> {
    if (this.#closed) return Promise.reject(new PoolClosedError());
    const id = ++this.#seq;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject, progress });
      this.#worker.postMessage({ ...request, id });
    });
  }

  /** Stops the thread (a job over its time budget) and starts a fresh one, without a baseline. */
  async restart(): Promise<void> {
    const old = this.#worker;
    this.baselineKey = null;
    this.#worker = this.#spawn();
    await old.terminate();
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#worker.terminate();
  }
}

export type JobState = 'queued' | 'running' | 'done' | 'failed';

export interface Job<T = unknown> {
  key: string;
  state: JobState;
  phase: string | null;
  queuedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  error: { code: 'timeout' | 'internal'; message: string } | null;
  promise: Promise<T>;
}

export class QueueFullError extends Error {
  override name = 'QueueFullError';
}

export class JobTimeoutError extends Error {
  override name = 'JobTimeoutError';
}

/** A job cut short because the service is closing (a shutdown, not a failure of the job). */
export class PoolClosedError extends Error {
  override name = 'PoolClosedError';
  constructor() {
    super('the impact service is shutting down');
  }
}

export interface PoolOptions {
  /** Worker threads (TWIN_IMPACT_WORKERS). */
  workers: number;
  /** Jobs waiting at most; beyond, `submit` throws QueueFullError. */
  queueSize: number;
  /** Time budget per job, ms (TWIN_IMPACT_TIMEOUT_S). */
  timeoutMs: number;
  /** Told about every failed job (the service logs it; clients see only the code). */
  onError?: (error: Error, key: string) => void;
}

type Run<T> = (slot: WorkerSlot, setPhase: (phase: string) => void) => Promise<T>;

interface QueueItem {
  job: Job;
  run: Run<unknown>;
  prefer?: (s: WorkerSlot) => boolean;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

/**
 * A bounded queue of impact jobs over a fixed set of worker threads. Jobs with the same key are
 * coalesced (one computation, every caller gets its result); a full queue refuses new keys; a job
 * past its time budget fails and its worker is replaced. `prefer` picks the slot for a job
 * (one that already holds the right baseline).
 */
export class ImpactPool {
  readonly #slots: WorkerSlot[];
  readonly #queue: QueueItem[] = [];
  readonly #jobs = new Map<string, Job>();
  readonly #options: PoolOptions;

  constructor(options: PoolOptions) {
    this.#options = options;
    this.#slots = Array.from({ length: Math.max(1, options.workers) }, () => new WorkerSlot());
  }

  get slots(): readonly WorkerSlot[] {
    return this.#slots;
  }

  /** The job with this key, if one is queued, running, or failed a moment ago. */
  job(key: string): Job | undefined {
    const j = this.#jobs.get(key);
    if (j?.state === 'failed' && Date.now() - j.finishedAt!.getTime() > FAILED_RETENTION_MS) {
      this.#jobs.delete(key);
      return undefined;
    }
    return j;
  }

  /** Jobs waiting in the queue (not running). */
  get waiting(): number {
    return this.#queue.length;
  }

  /** Position in the queue (0 = next), or null when not queued. */
  position(key: string): number | null {
    const i = this.#queue.findIndex((q) => q.job.key === key);
    return i < 0 ? null : i;
  }

  submit<T>(key: string, run: Run<T>, prefer?: (s: WorkerSlot) => boolean): Job<T> {
    const existing = this.job(key);
    if (existing && existing.state !== 'done') return existing as Job<T>;
    if (this.#queue.length >= this.#options.queueSize) {
      throw new QueueFullError(
        `the impact queue is full (${this.#options.queueSize} jobs waiting); try again shortly`,
      );
    }
    let resolve!: (v: unknown) => void;
    let reject!: (e: Error) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res as (v: unknown) => void;
      reject = rej;
    });
    promise.catch(() => {});
    const job: Job<T> = {
      key,
      state: 'queued',
      phase: null,
      queuedAt: new Date(),
      startedAt: null,
      finishedAt: null,
      error: null,
      promise,
    };
    this.#jobs.set(key, job);
    this.#queue.push({ job, run: run as Run<unknown>, prefer, resolve, reject });
    this.#pump();
    return job;
  }

  #pump(): void {
    for (;;) {
      const free = this.#slots.filter((s) => !s.busy);
      if (free.length === 0 || this.#queue.length === 0) return;
      const item = this.#queue.shift()!;
      const slot = free.find((s) => item.prefer?.(s)) ?? free[0]!;
      void this.#execute(slot, item);
    }
  }

  async #execute(slot: WorkerSlot, item: QueueItem): Promise<void> {
    const { job } = item;
    slot.busy = true;
    job.state = 'running';
    job.startedAt = new Date();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new JobTimeoutError(
              `the impact took longer than ${Math.round(this.#options.timeoutMs / 1000)} s and was stopped`,
            ),
          ),
        this.#options.timeoutMs,
      );
    });
    try {
      const value = await Promise.race([item.run(slot, (p) => (job.phase = p)), timeout]);
      job.state = 'done';
      this.#jobs.delete(job.key);
      item.resolve(value);
    } catch (error) {
      const e = error as Error;
      job.state = 'failed';
      job.error = {
        code: e instanceof JobTimeoutError ? 'timeout' : 'internal',
        message: e instanceof JobTimeoutError ? e.message : 'the impact computation failed',
      };
      if (!(e instanceof PoolClosedError)) this.#options.onError?.(e, job.key);
      item.reject(e);
      if (e instanceof JobTimeoutError) await slot.restart();
    } finally {
      clearTimeout(timer);
      job.finishedAt = new Date();
      slot.busy = false;
      this.#pump();
    }
  }

  async close(): Promise<void> {
    for (const q of this.#queue.splice(0)) q.reject(new PoolClosedError());
    await Promise.all(this.#slots.map((s) => s.close()));
  }
}
