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
      const res = await fetch('/healthz', { cache: 'no-store' });
      this.reachable = true;
      this.degraded = !res.ok;
      return res.ok;
    } catch {
      this.reachable = false;
      this.degraded = false;
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
