import { parentPort } from 'node:worker_threads';
import { parseToSpool, type ParseOptions } from './parse';
import { previewFile, type PreviewOptions } from './preview';
import { FileError } from './source';
import { CrsError } from './crs';
import { ExpressionError } from './expressions';
import type { DirectRows } from './stage-writer';

/**
 * Runs in a worker thread: parses the file into the spool and reports progress, so a huge or
 * hostile file never blocks the server's event loop. The worker boots ahead of its job (loading
 * the parser's modules takes ≈ 0.5 s; parse-in-worker.ts keeps one booted) and takes it as its
 * first message. Messages: progress, chunk, done, error.
 */
interface Job {
  type: 'job';
  options: ParseOptions;
  totalBytes: number;
  preview?: PreviewOptions;
}
// Without a spool file the rows go to the parent in chunks. Up to WINDOW chunks may wait for
// the parent's ack (it has copied the chunk into the database), so the parse runs ahead while
// the database works on the last chunk, and memory stays bounded on both sides.
const WINDOW = 2;
let unacked = 0;
let started = false;
const waiting: (() => void)[] = [];
parentPort!.on('message', (m: 'ack' | Job) => {
  if (m === 'ack') {
    unacked--;
    waiting.shift()?.();
  } else if (m.type === 'job' && !started) {
    started = true;
    void run(m);
  }
});
const sink = async (text: string, direct?: DirectRows) => {
  parentPort!.postMessage({ type: 'chunk', text, direct });
  if (++unacked >= WINDOW) await new Promise<void>((resolve) => waiting.push(resolve));
};
async function run({ options, totalBytes, preview }: Job): Promise<void> {
  try {
    const result = preview
      ? await previewFile(preview)
      : await parseToSpool(
          options,
          (p) => parentPort!.postMessage({ type: 'progress', ...p }),
          totalBytes,
          options.spoolPath ? undefined : sink,
        );
    parentPort!.postMessage({ type: 'done', result });
  } catch (error) {
    const e = error as Error;
    const expected =
      e instanceof FileError || e instanceof CrsError || e instanceof ExpressionError;
    parentPort!.postMessage({
      type: 'error',
      message: expected ? e.message : `could not read the file: ${e.message}`,
      expected,
    });
  }
  parentPort!.unref();
}
// Booted: the parent may hand over a job now.
parentPort!.postMessage({ type: 'ready' });
