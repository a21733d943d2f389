/**
 * Greedy label placement in screen space: the most important labels first, each kept only
 * if its box overlaps no label already placed. Street labels turn to follow their street.
 */

export type LabelKind = 'district' | 'park' | 'water' | 'street';

export interface LabelCandidate {
  key: string;
  text: string;
  /** [lon, lat]. */
  position: [number, number];
  kind: LabelKind;
  /** Higher is placed first. */
  priority: number;
  /** Font size, CSS pixels. */
  size: number;
  /** Street direction, degrees clockwise from north; none for horizontal labels. */
  azimuth?: number;
}

export interface PlacedLabel extends LabelCandidate {
  /** Screen rotation for deck.gl's TextLayer: degrees counter-clockwise, kept upright. */
  angle: number;
}

/** Projects [lon, lat] to CSS pixels from the map's top-left. */
export type Project = (lonLat: [number, number]) => { x: number; y: number };

/** Average glyph advance as a share of the font size, for a sans-serif UI font. */
const ADVANCE = 0.58;
const METRES_PER_DEGREE = 111_320;

/** Keeps a screen angle within (-90°, 90°] so text never reads upside down. */
export function uprightAngle(degrees: number): number {
  let a = ((degrees % 360) + 360) % 360; // [0, 360)
  if (a > 180) a -= 360; // (-180, 180]
  if (a > 90) a -= 180;
  else if (a <= -90) a += 180;
  return a;
}

/** The on-screen angle of a direction on the ground at `position`, through `project`. */
export function screenAngle(position: [number, number], azimuth: number, project: Project): number {
  const d = 10; // metres; short enough to stay on a straight stretch
  const rad = (azimuth * Math.PI) / 180;
  const dLat = (Math.cos(rad) * d) / METRES_PER_DEGREE;
  const dLon = (Math.sin(rad) * d) / (METRES_PER_DEGREE * Math.cos((position[1] * Math.PI) / 180));
  const a = project(position);
  const b = project([position[0] + dLon, position[1] + dLat]);
  // Screen y grows downwards; deck.gl angles grow counter-clockwise.
  return uprightAngle((Math.atan2(-(b.y - a.y), b.x - a.x) * 180) / Math.PI);
}

interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

const overlaps = (a: Box, b: Box) => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;

/**
 * Chooses the labels to draw in a `width` × `height` view. Candidates off screen, or
 * overlapping a more important label (with `padding` pixels around each), are dropped.
 */
export function placeLabels(
  candidates: readonly LabelCandidate[],
  project: Project,
  width: number,
  height: number,
  padding = 6,
): PlacedLabel[] {
  const placed: PlacedLabel[] = [];
  const boxes: Box[] = [];
  const seen = new Set<string>();
  const ordered = [...candidates].sort((a, b) => b.priority - a.priority);
  for (const c of ordered) {
    if (seen.has(c.key)) continue;
    const p = project(c.position);
    if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) continue;
    const angle = c.azimuth === undefined ? 0 : screenAngle(c.position, c.azimuth, project);
    const w = c.text.length * c.size * ADVANCE + 2 * padding;
    const h = c.size * 1.3 + 2 * padding;
    const rad = (angle * Math.PI) / 180;
    const bw = Math.abs(w * Math.cos(rad)) + Math.abs(h * Math.sin(rad));
    const bh = Math.abs(w * Math.sin(rad)) + Math.abs(h * Math.cos(rad));
    const box = { x0: p.x - bw / 2, y0: p.y - bh / 2, x1: p.x + bw / 2, y1: p.y + bh / 2 };
    if (box.x0 < 0 || box.y0 < 0 || box.x1 > width || box.y1 > height) continue;
    if (boxes.some((b) => overlaps(b, box))) continue;
    boxes.push(box);
    seen.add(c.key);
    placed.push({ ...c, angle });
  }
  return placed;
}
