/**
 * Point symbols drawn on a canvas in the browser (no sprite files to fetch): one atlas per
 * layer for deck.gl's icon layer, and the same drawing for legend swatches.
 */

import type { SymbolDef, SymbolShape } from '../../../../common/layer-legend';

export type { SymbolDef, SymbolShape } from '../../../../common/layer-legend';

/** Atlas cell size; symbols are drawn large and scaled down for crisp edges. */
const CELL = 64;

function path(
  ctx: CanvasRenderingContext2D,
  shape: SymbolShape,
  cx: number,
  cy: number,
  r: number,
) {
  ctx.beginPath();
  const polygon = (n: number, rotation: number) => {
    for (let i = 0; i < n; i++) {
      const a = rotation + (i * 2 * Math.PI) / n;
      ctx.lineTo(cx + r * Math.cos(a), cy + r * Math.sin(a));
    }
    ctx.closePath();
  };
  switch (shape) {
    case 'circle':
      ctx.arc(cx, cy, r, 0, 2 * Math.PI);
      break;
    case 'square':
      ctx.rect(cx - r * 0.85, cy - r * 0.85, r * 1.7, r * 1.7);
      break;
    case 'diamond':
      polygon(4, -Math.PI / 2);
      break;
    case 'triangle':
      polygon(3, -Math.PI / 2);
      break;
    case 'hexagon':
      polygon(6, 0);
      break;
  }
}

/** Draws one symbol centred in a `px` × `px` square at (x, y), with a white halo. */
export function drawSymbol(
  ctx: CanvasRenderingContext2D,
  def: SymbolDef,
  x: number,
  y: number,
  px: number,
) {
  const r = px * 0.36;
  path(ctx, def.shape, x + px / 2, y + px / 2, r);
  ctx.fillStyle = def.fill;
  ctx.strokeStyle = '#ffffff';
  ctx.lineWidth = px * 0.1;
  ctx.lineJoin = 'round';
  ctx.fill();
  ctx.stroke();
}

export interface SymbolAtlas {
  atlas: HTMLCanvasElement;
  mapping: Record<string, { x: number; y: number; width: number; height: number; mask: boolean }>;
}

/** All of a layer's symbols side by side on one canvas, with deck.gl's icon mapping. */
export function symbolAtlas(defs: readonly SymbolDef[]): SymbolAtlas {
  const atlas = document.createElement('canvas');
  atlas.width = CELL * defs.length;
  atlas.height = CELL;
  const ctx = atlas.getContext('2d')!;
  const mapping: SymbolAtlas['mapping'] = {};
  defs.forEach((def, i) => {
    drawSymbol(ctx, def, i * CELL, 0, CELL);
    mapping[def.value] = { x: i * CELL, y: 0, width: CELL, height: CELL, mask: false };
  });
  return { atlas, mapping };
}

/** A legend swatch as a data: URL (never a network request). */
export function symbolDataUrl(def: SymbolDef, px = 20): string {
  const canvas = document.createElement('canvas');
  const scale = globalThis.devicePixelRatio || 1;
  canvas.width = canvas.height = Math.round(px * scale);
  drawSymbol(canvas.getContext('2d')!, def, 0, 0, px * scale);
  return canvas.toDataURL();
}
