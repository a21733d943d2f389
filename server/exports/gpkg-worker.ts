import { parentPort } from 'node:worker_threads';
import { GpkgWriter, type GpkgFeature, type GpkgLayer } from './gpkg-writer';

/**
 * Builds a GeoPackage in a worker thread, so sql.js's synchronous inserts and the final export
 * never block the server's event loop. Messages in: layer, rows (answered with `ack`), finish
 * (answered with the file's bytes, transferred).
 */
type Message =
  | { type: 'layer'; layer: GpkgLayer }
  | { type: 'rows'; name: string; features: GpkgFeature[] }
  | { type: 'finish' };

const writer = await GpkgWriter.create();
parentPort!.on('message', (m: Message) => {
  try {
    if (m.type === 'layer') writer.layer(m.layer);
    else if (m.type === 'rows') writer.add(m.name, m.features);
    else {
      const bytes = writer.finish();
      parentPort!.postMessage({ type: 'done', bytes }, [bytes.buffer as ArrayBuffer]);
      return;
    }
    parentPort!.postMessage({ type: 'ack' });
  } catch (error) {
    parentPort!.postMessage({ type: 'error', message: (error as Error).message });
  }
});
parentPort!.postMessage({ type: 'ready' });
