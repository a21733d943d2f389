import type { Logger } from './log';

/**
 * Background work that runs once at start and then every `everyMs` while the twin runs (the
 * retention sweeps of readings and camera frames): a failed run is logged and retried at the next
 * tick, never thrown. The timer does not keep the process alive.
 */
export class PeriodicJob {
  readonly #everyMs: number;
  readonly #task: () => Promise<void>;
  readonly #log: Logger;
  readonly #failure: string;
  #timer: NodeJS.Timeout | undefined;

  constructor(o: {
    everyMs: number;
    task: () => Promise<void>;
    log: Logger;
    /** Logged (warn) with the error when a run fails. */
    failure: string;
  }) {
    this.#everyMs = o.everyMs;
    this.#task = o.task;
    this.#log = o.log;
    this.#failure = o.failure;
  }

  async start(): Promise<void> {
    await this.run();
    this.#timer = setInterval(() => void this.run(), this.#everyMs);
    this.#timer.unref();
  }

  /** One run now; resolves when it is done (or has failed and been logged). */
  async run(): Promise<void> {
    try {
      await this.#task();
    } catch (error) {
      this.#log.warn({ err: error }, this.#failure);
    }
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
