/**
 * The shareable part of the URL:
 * `#map=zoom/lat/lon/bearing/pitch&layers=a,b&view=2d&scenario=<id>&compare=swipe&story=…`.
 * The `map=` order is MapLibre's own `hash` format, so links from either tool open alike.
 */

export interface Camera {
  /** [longitude, latitude] in degrees. */
  center: [number, number];
  zoom: number;
  /** Degrees clockwise from north. */
  bearing: number;
  /** Degrees from straight down. */
  pitch: number;
}

export interface ShareState {
  camera?: Camera;
  /** Visible layer ids in panel order; undefined means the defaults. */
  layers?: string[];
  /** Flat (2D) or extruded (3D) buildings. */
  view?: '2d' | '3d';
  /** What search found (`street:King Boulevard`), issue #12 item 3. */
  find?: string;
  /** The open scenario's id (issue #12 item 1); opened again subject to the reader's access. */
  scenario?: string;
  /** The compare view shown with the scenario. */
  compare?: 'swipe';
  /** A story (presentation) encoded by `encodeStory`, and the step shown (1-based). */
  story?: string;
  step?: number;
}

const SCENARIO_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A story in the URL stays well under what browsers and servers keep of a URL. */
export const MAX_STORY_CHARS = 6000;

export const MAX_PITCH = 70;

/** Decimals that keep a position to about a pixel at this zoom (as MapLibre's hash does). */
function coordinateDecimals(zoom: number): number {
  return Math.max(0, Math.ceil((zoom * Math.LN2 + Math.log(512 / 360 / 0.5)) / Math.LN10));
}

const trim = (v: number, decimals: number) => String(Number(v.toFixed(decimals)));

/** Normalises a bearing to (-180, 180]. */
export function normalizeBearing(b: number): number {
  const r = ((((b + 180) % 360) + 360) % 360) - 180;
  return r === -180 ? 180 : r;
}

export function formatHash(
  state: Required<Pick<ShareState, 'camera' | 'layers'>> & ShareState,
): string {
  const { center, zoom, bearing, pitch } = state.camera;
  const d = coordinateDecimals(zoom);
  const map = [
    trim(zoom, 2),
    trim(center[1], d),
    trim(center[0], d),
    trim(normalizeBearing(bearing), 1),
    trim(pitch, 1),
  ].join('/');
  const parts = [`map=${map}`, `layers=${state.layers.join(',')}`];
  if (state.view === '2d') parts.push('view=2d');
  if (state.find) parts.push(`find=${encodeURIComponent(state.find)}`);
  if (state.scenario) parts.push(`scenario=${state.scenario}`);
  if (state.scenario && state.compare) parts.push(`compare=${state.compare}`);
  if (state.story) parts.push(`story=${state.story}`, `step=${state.step ?? 1}`);
  return `#${parts.join('&')}`;
}

/**
 * Reads what a shared URL says; anything missing or malformed is left out, so the caller
 * falls back to its defaults. Unknown layer names are dropped.
 */
export function parseHash(hash: string, knownLayers: readonly string[]): ShareState {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const out: ShareState = {};

  const map = params.get('map');
  if (map) {
    const [zoom, lat, lon, bearing = 0, pitch = 0] = map.split('/').map(Number);
    const valid =
      [zoom, lat, lon, bearing, pitch].every((v) => Number.isFinite(v)) &&
      zoom! >= 0 &&
      zoom! <= 24 &&
      Math.abs(lat!) <= 85.06 &&
      Math.abs(lon!) <= 180;
    if (valid) {
      out.camera = {
        center: [lon!, lat!],
        zoom: zoom!,
        bearing: normalizeBearing(bearing),
        pitch: Math.min(MAX_PITCH, Math.max(0, pitch)),
      };
    }
  }

  const layers = params.get('layers');
  if (layers !== null) {
    const wanted = new Set(layers.split(',').map((s) => s.trim()));
    out.layers = knownLayers.filter((l) => wanted.has(l));
  }

  const view = params.get('view');
  if (view === '2d' || view === '3d') out.view = view;
  const find = params.get('find');
  if (find && find.length <= 200 && find.includes(':')) out.find = find;
  const scenario = params.get('scenario');
  if (scenario && SCENARIO_ID.test(scenario)) out.scenario = scenario.toLowerCase();
  if (out.scenario && params.get('compare') === 'swipe') out.compare = 'swipe';
  const story = params.get('story');
  if (story && story.length <= MAX_STORY_CHARS && /^[A-Za-z0-9_-]+$/.test(story)) {
    out.story = story;
    const step = Number(params.get('step'));
    out.step = Number.isInteger(step) && step >= 1 ? step : 1;
  }
  return out;
}
