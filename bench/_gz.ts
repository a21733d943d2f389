import postgres from 'postgres';
import { gzipSync, deflateRawSync, constants, createGzip, gunzipSync } from 'node:zlib';
import * as fflate from 'fflate';
import { loadConfig } from '../server/config';
import { createLogger } from '../server/log';
import { prepareDatabase } from '../server/startup';
import { LayerCatalog } from '../tiles/catalog';
import { mvtLayerSql } from '../tiles/tile-sql';
import { cityTiles } from './tiles';
const url = 'postgres://postgres@127.0.0.1:5432/twin_bench';
const config = loadConfig({ ...process.env, DATABASE_URL: url });
const backend = await prepareDatabase(config, createLogger('warn'));
const layer = new LayerCatalog().get('buildings')!;
const tiles = await cityTiles(backend.db, layer.table, [14, 15, 16, 17]);
const bodies: Buffer[] = [];
for (const t of tiles.slice(0, 600)) { const r = await mvtLayerSql(layer, t, config.tiles.maxFeatures).execute(backend.db); const b = r.rows[0]?.mvt; if (b && b.byteLength) bodies.push(Buffer.from(b)); }
await backend.close();
console.log('tiles', bodies.length, 'mean raw', Math.round(bodies.reduce((a, b) => a + b.length, 0) / bodies.length));
const variants: [string, (b: Buffer) => Buffer][] = [
  ['level1', (b) => gzipSync(b, { level: 1 })],
  ['level1 w12 m6', (b) => gzipSync(b, { level: 1, windowBits: 12, memLevel: 6 })],
  ['level1 w15 m9', (b) => gzipSync(b, { level: 1, memLevel: 9 })],
  ['level1 huffman', (b) => gzipSync(b, { level: 1, strategy: constants.Z_HUFFMAN_ONLY })],
  ['fflate l1', (b) => Buffer.from(fflate.gzipSync(b, { level: 1 }))],
  ['fflate l1 mem4', (b) => Buffer.from(fflate.gzipSync(b, { level: 1, mem: 4 }))],
  ['fflate l6', (b) => Buffer.from(fflate.gzipSync(b, { level: 6 }))],
  ['level6', (b) => gzipSync(b, { level: 6 })],
];
for (const b of bodies.slice(0,50)) for (const [n, f] of variants) if (!gunzipSync(f(b)).equals(b)) throw new Error(n);
for (let round = 0; round < 0; round++) for (const [name, f] of variants) {
  let bytes = 0; const t0 = performance.now();
  for (let k = 0; k < 5; k++) for (const b of bodies) bytes += f(b).length;
  const us = ((performance.now() - t0) * 1000) / (5 * bodies.length);
  console.log(round, name.padEnd(16), us.toFixed(1), 'µs/tile', Math.round(bytes / 5 / bodies.length), 'B');
}
const sizes = bodies.map((b) => b.length).sort((a, b) => a - b);
console.log('raw size quantiles', [0.1, 0.25, 0.5, 0.75, 0.9].map((q) => sizes[Math.floor(q * sizes.length)]));
for (const lim of [512, 1024, 2048]) { const small = bodies.filter((b) => b.length <= lim); const saved = small.reduce((a, b) => a + b.length - gzipSync(b, { level: 1 }).length, 0); console.log(lim, 'share', (small.length / bodies.length).toFixed(2), 'mean bytes saved by gzip', Math.round(saved / (small.length || 1))); }
