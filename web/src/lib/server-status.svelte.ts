import { api, ApiRequestError } from './api';

/** Whether the twin's server answers, checked when something fails to load. */
export class ServerStatus {
  /** null: not checked yet. */
  reachable = $state<boolean | null>(null);
  /** The server answers but reports a problem (e.g. its database is down). */
  degraded = $state(false);
  checking = $state(false);
  #inFlight: Promise<boolean> | null = null;

  /** Pings `/healthz`; concurrent calls share one request. Resolves true when all is well. */
  check(): Promise<boolean> {
    this.#inFlight ??= this.#ping().finally(() => {
      this.#inFlight = null;
    });
    return this.#inFlight;
  }

  async #ping(): Promise<boolean> {
    this.checking = true;
    try {
      await api.request('GET', '/healthz', { cache: 'no-store', retries: 0 });
      this.reachable = true;
      this.degraded = false;
      return true;
    } catch (error) {
      // An error status is still an answer: the server is up but unwell.
      const answered = error instanceof ApiRequestError && error.status !== 0;
      this.reachable = answered;
      this.degraded = answered;
      return false;
    } finally {
      this.checking = false;
    }
  }

  get problem(): string | null {
    if (this.reachable === false) {
      return 'The twin server cannot be reached. The map keeps what it has loaded.';
    }
    if (this.degraded) return 'The twin server is up, but its database is not answering.';
    return null;
  }
}
