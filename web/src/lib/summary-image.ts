import type { Deck } from '@deck.gl/core';
import type { ScenarioImpact, ScenarioWithEdits } from '../../../common/scenario-types';
import { formatDelta, formatNumber, impactRows } from './impact-rows';
import type { TwinMap } from './twin-map.svelte';

/** A4 portrait at 150 dpi. */
const W = 1240;
const H = 1754;
const M = 60;

/**
 * The map as drawn now: MapLibre's canvas and deck.gl's above it. Both are redrawn synchronously
 * first, since WebGL canvases keep their pixels only until the frame is shown.
 */
function mapSnapshot(twin: TwinMap): HTMLCanvasElement {
  const base = twin.map.getCanvas();
  const out = document.createElement('canvas');
  out.width = base.width;
  out.height = base.height;
  const ctx = out.getContext('2d')!;
  twin.map.redraw();
  ctx.drawImage(base, 0, 0);
  const deck = (twin.overlay as unknown as { _deck?: Deck })._deck;
  const canvas = deck?.getCanvas();
  if (deck && canvas) {
    deck.redraw('summary');
    ctx.drawImage(canvas, 0, 0, out.width, out.height);
  }
  return out;
}

/**
 * A one-page summary of a scenario's impact with the map (issue #12 item 1): title, the map as it
 * is on screen, every KPI with baseline, scenario and change, and the sources cited. PNG.
 */
export async function summaryPng(
  twin: TwinMap,
  scenario: ScenarioWithEdits,
  impact: ScenarioImpact,
): Promise<Blob> {
  const page = document.createElement('canvas');
  page.width = W;
  page.height = H;
  const ctx = page.getContext('2d')!;
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, W, H);
  ctx.fillStyle = '#111827';
  ctx.font = 'bold 40px sans-serif';
  ctx.fillText(scenario.name, M, M + 30);
  ctx.font = '20px sans-serif';
  ctx.fillStyle = '#4b5563';
  const when = new Date(impact.computed_at).toLocaleString(undefined, {
    dateStyle: 'medium',
    timeStyle: 'short',
  });
  ctx.fillText(
    `${scenario.status === 'published' ? 'Published' : 'Draft'} scenario · version ${scenario.version} · ${scenario.edits.length} edits · impact computed ${when}`,
    M,
    M + 66,
  );

  const snap = mapSnapshot(twin);
  const mapW = W - 2 * M;
  const mapH = Math.min(720, Math.round((snap.height / snap.width) * mapW));
  // Cover the box with the middle of the view.
  const scale = Math.max(mapW / snap.width, mapH / snap.height);
  const sw = mapW / scale;
  const sh = mapH / scale;
  ctx.drawImage(snap, (snap.width - sw) / 2, (snap.height - sh) / 2, sw, sh, M, M + 90, mapW, mapH);
  ctx.strokeStyle = '#9ca3af';
  ctx.strokeRect(M, M + 90, mapW, mapH);

  let y = M + 90 + mapH + 50;
  const cols = [M, M + 520, M + 720, M + 920];
  ctx.font = 'bold 20px sans-serif';
  ctx.fillStyle = '#111827';
  ['Figure', 'Baseline', 'Scenario', 'Change'].forEach((h, i) => ctx.fillText(h, cols[i]!, y));
  y += 10;
  const rows = impactRows(impact);
  let section = '';
  ctx.font = '18px sans-serif';
  for (const r of rows) {
    if (r.section !== section) {
      section = r.section;
      y += 30;
      ctx.font = 'bold 18px sans-serif';
      ctx.fillText(section, M, y);
      ctx.font = '18px sans-serif';
    }
    y += 26;
    ctx.fillStyle = '#111827';
    ctx.fillText(`${r.label} (${r.unit})`, M + 16, y);
    ctx.fillText(formatNumber(r.baseline), cols[1]!, y);
    ctx.fillText(formatNumber(r.scenario), cols[2]!, y);
    ctx.fillStyle = r.delta === 0 ? '#4b5563' : '#111827';
    ctx.fillText(formatDelta(r.delta), cols[3]!, y);
  }
  const sources = [
    ...new Set(rows.flatMap((r) => r.sources.map((s) => s.split(': ').slice(1).join(': ')))),
  ];
  y += 40;
  ctx.fillStyle = '#4b5563';
  ctx.font = '14px sans-serif';
  const line = (text: string) => {
    if (y > H - M) return;
    ctx.fillText(text.length > 150 ? `${text.slice(0, 147)}…` : text, M, y);
    y += 18;
  };
  line(`Sources: ${sources.length} cited factors. Map and data: City twin, own data.`);
  for (const s of sources.slice(0, 12)) line(`· ${s}`);
  return new Promise((resolve, reject) =>
    page.toBlob(
      (b) => (b ? resolve(b) : reject(new Error('The summary could not be drawn.'))),
      'image/png',
    ),
  );
}

/** Offers a blob as a download named `name`. */
export function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
