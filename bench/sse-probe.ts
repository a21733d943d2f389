import http from 'node:http';

/**
 * `n` SSE clients on `/api/live?kind=traffic_speed` of one or more origins, for the live fan-out
 * benchmarks: every reading the bench posts carries a unique `value`, `sent(value)` records when
 * it left, and each `event: readings` block a client receives adds (received − sent) in ms to
 * the latencies of the current trial.
 */
export class SseProbe {
  readonly #agent: http.Agent;
  readonly #sent = new Map<number, number>();
  readonly #requests: http.ClientRequest[] = [];
  #latencies: number[] = [];
  received = 0;

  private constructor(clients: number) {
    this.#agent = new http.Agent({ keepAlive: true, maxSockets: clients + 10 });
  }

  /** Opens `clients` connections spread round robin over `origins`; resolves once all are ready. */
  static async open(origins: string[], clients: number): Promise<SseProbe> {
    const probe = new SseProbe(clients);
    await Promise.all(
      Array.from({ length: clients }, (_, i) => probe.#connect(origins[i % origins.length]!)),
    );
    return probe;
  }

  #connect(origin: string): Promise<void> {
    const u = new URL(origin);
    return new Promise((resolve, reject) => {
      const req = http.get(
        {
          host: u.hostname,
          port: u.port,
          path: '/api/live?kind=traffic_speed',
          agent: this.#agent,
        },
        (res) => {
          if (res.statusCode !== 200) {
            res.resume();
            reject(new Error(`GET ${origin}/api/live: ${res.statusCode}`));
            return;
          }
          let buf = '';
          res.on('data', (c: Buffer) => {
            buf += c.toString();
            if (buf.includes('event: ready')) resolve();
            let i: number;
            while ((i = buf.indexOf('\n\n')) >= 0) {
              const block = buf.slice(0, i);
              buf = buf.slice(i + 2);
              if (!block.startsWith('event: readings')) continue;
              const m = /"value":(\d+)/.exec(block);
              const t = m ? this.#sent.get(Number(m[1])) : undefined;
              if (t !== undefined) {
                this.#latencies.push(performance.now() - t);
                this.received++;
              }
            }
          });
        },
      );
      req.on('error', reject);
      this.#requests.push(req);
    });
  }

  /** Marks `value` as sent now. */
  sent(value: number): void {
    this.#sent.set(value, performance.now());
  }

  /** Starts a new trial: the latencies collected so far are returned (sorted) and dropped. */
  take(): number[] {
    const out = this.#latencies.sort((a, b) => a - b);
    this.#latencies = [];
    return out;
  }

  close(): void {
    for (const r of this.#requests) r.destroy();
    this.#agent.destroy();
  }
}
