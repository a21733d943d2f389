import { PNG } from 'pngjs';
import { drawText, GLYPH_H, textWidth } from './pixel-font';

type RGB = [number, number, number];

export interface TrafficScene {
  /** Vehicles per hour on the watched link (the simulated count). */
  flowVehH: number;
  /** Mean speed, km/h. */
  speedKmh: number;
  /** Camera name, printed in the corner. */
  label: string;
  at: Date;
  /** Stable per camera: where its cars sit. */
  seed: number;
  width?: number;
  height?: number;
}

const CAR_COLOURS: RGB[] = [
  [220, 40, 40],
  [240, 240, 240],
  [30, 30, 30],
  [40, 90, 200],
  [250, 190, 30],
  [120, 120, 130],
];

/**
 * Draws a simulated camera view of a road as a PNG (pngjs, pure JS): a two-way road whose cars
 * follow the count (more cars at a higher flow, closer together at a lower speed), stamped
 * SIMULATED with the camera, time, flow and speed (issue #17: the demo's frames say what they are).
 */
export function renderTrafficFrame(s: TrafficScene): Buffer {
  const width = s.width ?? 320;
  const height = s.height ?? 180;
  const png = new PNG({ width, height });
  const data = png.data;
  const put = (x: number, y: number, [r, g, b]: RGB) => {
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    const i = (y * width + x) * 4;
    data[i] = r;
    data[i + 1] = g;
    data[i + 2] = b;
    data[i + 3] = 255;
  };
  const rect = (x0: number, y0: number, w: number, h: number, c: RGB) => {
    for (let y = Math.max(0, y0); y < Math.min(height, y0 + h); y++)
      for (let x = Math.max(0, x0); x < Math.min(width, x0 + w); x++) put(x, y, c);
  };
  // Verges, the road and its markings.
  rect(0, 0, width, height, [92, 140, 80]);
  const top = Math.round(height * 0.38);
  const road = Math.round(height * 0.42);
  rect(0, top, width, road, [70, 72, 76]);
  const mid = top + Math.round(road / 2);
  for (let x = 0; x < width; x += 24) rect(x, mid - 1, 12, 2, [235, 235, 235]);
  rect(0, top, width, 2, [200, 200, 200]);
  rect(0, top + road - 2, width, 2, [200, 200, 200]);

  // Cars: the count over the view's few seconds; they move with the clock at the mean speed.
  const cars = Math.max(0, Math.min(24, Math.round(s.flowVehH / 90)));
  const pxPerS = Math.max(2, s.speedKmh * 0.6);
  const t = s.at.getTime() / 1000;
  let rand = (s.seed * 2654435761) >>> 0;
  const next = () => (rand = (rand * 1664525 + 1013904223) >>> 0) / 2 ** 32;
  for (let k = 0; k < cars; k++) {
    const eastbound = k % 2 === 0;
    const base = next() * width * 2;
    const x =
      Math.round(
        ((((eastbound ? 1 : -1) * t * pxPerS + base) % (width + 40)) + width + 40) % (width + 40),
      ) - 20;
    const lane = eastbound
      ? mid + 5 + Math.round(next() * (road / 2 - 22))
      : top + 5 + Math.round(next() * (road / 2 - 22));
    const colour = CAR_COLOURS[Math.floor(next() * CAR_COLOURS.length)]!;
    rect(x, lane, 22, 11, colour);
    rect(x + (eastbound ? 14 : 2), lane + 2, 6, 7, [150, 190, 220]);
  }

  // The labels, on dark bands so they read on any scene.
  const scale = 2;
  const bandH = GLYPH_H * scale + 6;
  rect(0, 0, width, bandH, [20, 20, 20]);
  rect(0, height - bandH, width, bandH, [20, 20, 20]);
  const white: RGB = [255, 255, 255];
  const amber: RGB = [255, 196, 0];
  drawText('SIMULATED', 4, 3, scale, (x, y) => put(x, y, amber));
  const clock = s.at.toISOString().slice(11, 19);
  drawText(clock, width - 4 - textWidth(clock, scale), 3, scale, (x, y) => put(x, y, white));
  const line = `${Math.round(s.flowVehH)} VEH/H ${Math.round(s.speedKmh)} KM/H`;
  drawText(line, 4, height - bandH + 3, scale, (x, y) => put(x, y, white));
  const name = s.label.toUpperCase().slice(0, Math.floor((width - 8) / 6));
  drawText(name, 4, bandH + 3, 1, (x, y) => put(x, y, white));
  return PNG.sync.write(png);
}
