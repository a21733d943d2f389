import { Worker } from 'node:worker_threads';
import type { ParseOptions, ParseResult, ProgressFn } from './parse';
import type { FilePreview, PreviewOptions } from './preview';
import { FileError } from './source';
import { detectFormat, type Format } from './formats';
import type { DirectRows, StageSink } from './stage-writer';

/** Heap cap for one parse worker (MiB); a file that needs more fails alone, not the server. */
export const WORKER_HEAP_MB = 2048;
/**
 * The cap for formats read one feature at a time. V8 lets a heap grow lazily towards its cap:
 * with 2 GiB, a million-feature GeoJSON import peaked at 494–525 MB RSS once the database kept
 * up; with this cap, ≈ 415 MB (docs/performance.md). A single feature still has ~400 MiB.
 */
export const STREAMED_HEAP_MB = 512;
const STREAMED = new Set<Format>(['geojson', 'ndjson', 'csv', 'flatgeobuf']);

/** The worker's heap cap for a parse of this file. */
export function heapFor(options: Pick<ParseOptions, 'path' | 'name' | 'format'>): number {
  let format = options.format;
  try {
    format ??= detectFormat(options.path, options.name);
  } catch {
    // Unreadable: the worker reports it.
  }
  return format && STREAMED.has(format) ? STREAMED_HEAP_MB : WORKER_HEAP_MB;
}

/**
 * Parses in a worker thread (see parse-worker.ts); rejects with FileError for bad files. With
 * `onChunk` (and no spool path) staging rows arrive in chunks as they are parsed; the worker
 * waits for each to be handled, and stops if handling fails.
 */
export function parseInWorker(
  options: ParseOptions,
  totalBytes: number,
  onProgress: ProgressFn = () => {},
  onChunk?: StageSink,
): Promise<ParseResult> {
  return runWorker<ParseResult>({ options, totalBytes }, onProgress, onChunk, heapFor(options));
}

/** The first features of a file (the import page's preview), read in a worker thread too. */
export function previewInWorker(preview: PreviewOptions): Promise<FilePreview> {
  return runWorker<FilePreview>({ preview, totalBytes: 0 }, () => {}, undefined, WORKER_HEAP_MB);
}

/**
 * One booted worker is kept for each heap cap: loading the parser's modules through tsx takes
 * ≈ 0.5 s, a tenth of a 200,000-feature import (docs/performance.md). A worker parses one file
 * and exits; an idle one does not keep the process alive.
 */
interface Booted {
  worker: Worker;
  ready: Promise<void>;
  alive: boolean;
}
const booted = new Map<number, Booted>();
const BOOT = new URL('./parse-worker-boot.mjs', import.meta.url);

function boot(heapMb: number): Booted {
  const worker = new Worker(BOOT, {
    resourceLimits: { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: 64 },
  });
  const b: Booted = { worker, ready: Promise.resolve(), alive: true };
  b.ready = new Promise<void>((resolve) => {
    worker.once('message', () => resolve());
    worker.once('error', () => resolve());
    worker.once('exit', () => {
      b.alive = false;
      if (booted.get(heapMb) === b) booted.delete(heapMb);
      resolve();
    });
  });
  return b;
}

/** A worker for one parse: the booted one if there is one, else a new one. */
function take(heapMb: number): Worker {
  const b = booted.get(heapMb);
  booted.delete(heapMb);
  if (b?.alive) {
    b.worker.ref();
    return b.worker;
  }
  return boot(heapMb).worker;
}

/** Boots a worker for the next parse of each cap that has none (the server does it at start). */
export function warmParseWorkers(heaps: number[] = [STREAMED_HEAP_MB]): void {
  for (const heapMb of heaps) {
    if (booted.get(heapMb)?.alive) continue;
    const b = boot(heapMb);
    b.worker.unref();
    booted.set(heapMb, b);
  }
}

/** Resolves once every booted worker is ready (the import bench waits for it between rounds). */
export async function parseWorkersReady(): Promise<void> {
  await Promise.all([...booted.values()].map((b) => b.ready));
}

/** How many booted workers wait for a parse. */
export function bootedParseWorkers(): number {
  return [...booted.values()].filter((b) => b.alive).length;
}

/** Stops the booted workers (a later parse boots its own). */
export async function closeParseWorkers(): Promise<void> {
  const idle = [...booted.values()];
  booted.clear();
  await Promise.all(idle.map((b) => b.worker.terminate()));
}

async function runWorker<T>(
  workerData: Record<string, unknown>,
  onProgress: ProgressFn,
  onChunk: StageSink | undefined,
  heapMb: number,
): Promise<T> {
  try {
    return await parseWith<T>(take(heapMb), workerData, onProgress, onChunk, heapMb);
  } finally {
    // The next parse finds a worker booted, once this one is over (not beside it: booting
    // takes a core for ≈ 0.5 s).
    setImmediate(() => warmParseWorkers([heapMb]));
  }
}

function parseWith<T>(
  worker: Worker,
  workerData: Record<string, unknown>,
  onProgress: ProgressFn,
  onChunk: StageSink | undefined,
  heapMb: number,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    worker.postMessage({ type: 'job', ...workerData });
    let settled = false;
    // Chunks are handled one after another, in order (one transaction takes them), and the
    // result only once the last has been handled.
    let handled = Promise.resolve();
    worker.on(
      'message',
      (m: {
        type: string;
        result?: T;
        text?: string;
        direct?: DirectRows;
        message?: string;
        bytes?: number;
        total?: number;
        features?: number;
      }) => {
        if (m.type === 'progress')
          onProgress({ bytes: m.bytes!, total: m.total!, features: m.features! });
        else if (m.type === 'chunk') {
          if (!onChunk) return;
          const { text, direct } = m;
          handled = handled
            .then(() => (settled ? undefined : onChunk(text!, direct)))
            .then(
              () => {
                if (!settled) worker.postMessage('ack');
              },
              (error: Error) => {
                if (settled) return;
                settled = true;
                void worker.terminate();
                reject(error);
              },
            );
        } else if (m.type === 'done') {
          void handled.then(() => {
            if (settled) return;
            settled = true;
            resolve(m.result!);
          });
        } else if (m.type === 'error') {
          // Not while a chunk is still being copied: the transaction must be idle to roll back.
          void handled.then(() => {
            if (settled) return;
            settled = true;
            reject(new FileError(m.message!));
          });
        }
      },
    );
    worker.on('error', (err) => {
      void handled.then(() => {
        if (settled) return;
        settled = true;
        const oom = /memory|heap/i.test(err.message);
        reject(
          new FileError(
            oom
              ? heapMb < WORKER_HEAP_MB
                ? `a feature needs more than ${heapMb} MiB to parse; split it into smaller features`
                : `the file needs more than ${heapMb} MiB to parse; split it or convert it to a streamed format (GeoJSON, FlatGeobuf)`
              : `the parser failed: ${err.message}`,
          ),
        );
      });
    });
    worker.on('exit', (code) => {
      void handled.then(() => {
        if (!settled) reject(new FileError(`the parser stopped unexpectedly (exit code ${code})`));
      });
    });
  });
}
