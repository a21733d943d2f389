import { Worker } from 'node:worker_threads';
import type { GpkgFeature, GpkgLayer } from './gpkg-writer';

/** Heap cap for one GeoPackage build (MiB): the file is built in memory. */
const WORKER_HEAP_MB = 2048;

/** A GeoPackage being built in a worker thread; every call waits for the worker's answer. */
export class GpkgBuild {
  readonly #worker: Worker;
  #pending: { resolve: (v: unknown) => void; reject: (e: Error) => void } | null = null;
  #ready: Promise<unknown>;

  constructor() {
    this.#worker = new Worker(new URL('./gpkg-worker-boot.mjs', import.meta.url), {
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
    });
    this.#ready = this.#wait();
    this.#worker.on('message', (m: { type: string; bytes?: Uint8Array; message?: string }) => {
      const p = this.#pending;
      this.#pending = null;
      if (!p) return;
      if (m.type === 'error') p.reject(new Error(m.message));
      else p.resolve(m.bytes);
    });
    this.#worker.on('error', (e) => this.#pending?.reject(e));
    this.#worker.on('exit', (code) =>
      this.#pending?.reject(new Error(`the GeoPackage writer stopped (exit code ${code})`)),
    );
  }

  #wait(): Promise<unknown> {
    return new Promise((resolve, reject) => (this.#pending = { resolve, reject }));
  }

  async #send(message: unknown): Promise<unknown> {
    await this.#ready;
    const answer = this.#wait();
    this.#worker.postMessage(message);
    return answer;
  }

  layer(layer: GpkgLayer): Promise<unknown> {
    return this.#send({ type: 'layer', layer });
  }

  rows(name: string, features: GpkgFeature[]): Promise<unknown> {
    return this.#send({ type: 'rows', name, features });
  }

  async finish(): Promise<Uint8Array> {
    try {
      return (await this.#send({ type: 'finish' })) as Uint8Array;
    } finally {
      void this.#worker.terminate();
    }
  }

  abort(): void {
    void this.#worker.terminate();
  }
}
