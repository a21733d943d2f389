import { MAX_PITCH, MAX_STORY_CHARS, type Camera } from './url-hash';

/** One saved view of a story (issue #12 item 7): what the map shows, and what to say about it. */
export interface StoryView {
  caption: string;
  camera: Camera;
  layers: string[];
  view: '2d' | '3d';
  /** The scenario open in this view (null: the baseline), and whether it is swiped against it. */
  scenario: string | null;
  compare: boolean;
  /** The sensor time shown (ISO 8601); null: live. */
  at: string | null;
}

export interface Story {
  title: string;
  views: StoryView[];
}

export const MAX_VIEWS = 20;
const MAX_CAPTION = 500;

function toBase64Url(text: string): string {
  let binary = '';
  for (const b of new TextEncoder().encode(text)) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(s: string): string {
  const binary = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
  return new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
}

/** A story as a URL-safe string for `#story=` (base64url of compact JSON). */
export function encodeStory(story: Story): string {
  const compact = {
    t: story.title,
    v: story.views.map((v) => [
      v.caption,
      [v.camera.center[0], v.camera.center[1], v.camera.zoom, v.camera.bearing, v.camera.pitch].map(
        (n) => Number(n.toFixed(6)),
      ),
      v.layers.join(','),
      v.view,
      v.scenario ?? '',
      v.compare ? 1 : 0,
      v.at ?? '',
    ]),
  };
  return toBase64Url(JSON.stringify(compact));
}

const num = (v: unknown, lo: number, hi: number): number | null =>
  typeof v === 'number' && Number.isFinite(v) && v >= lo && v <= hi ? v : null;

/** Reads `encodeStory`'s output back; anything malformed gives null (a broken link, not an error). */
export function decodeStory(s: string, knownLayers: readonly string[]): Story | null {
  if (s.length > MAX_STORY_CHARS) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(fromBase64Url(s));
  } catch {
    return null;
  }
  const o = raw as { t?: unknown; v?: unknown };
  if (!Array.isArray(o.v) || o.v.length === 0 || o.v.length > MAX_VIEWS) return null;
  const known = new Set(knownLayers);
  const views: StoryView[] = [];
  for (const item of o.v) {
    if (!Array.isArray(item)) return null;
    const [caption, cam, layers, view, scenario, compare, at] = item as unknown[];
    const c = Array.isArray(cam) ? cam : [];
    const lon = num(c[0], -180, 180);
    const lat = num(c[1], -85.06, 85.06);
    const zoom = num(c[2], 0, 24);
    const bearing = num(c[3], -360, 360);
    const pitch = num(c[4], 0, 90);
    if (lon === null || lat === null || zoom === null || bearing === null || pitch === null)
      return null;
    views.push({
      caption: typeof caption === 'string' ? caption.slice(0, MAX_CAPTION) : '',
      camera: { center: [lon, lat], zoom, bearing, pitch: Math.min(MAX_PITCH, pitch) },
      layers: typeof layers === 'string' ? layers.split(',').filter((l) => known.has(l)) : [],
      view: view === '2d' ? '2d' : '3d',
      scenario: typeof scenario === 'string' && /^[0-9a-f-]{36}$/i.test(scenario) ? scenario : null,
      compare: compare === 1,
      at: typeof at === 'string' && !Number.isNaN(Date.parse(at)) ? at : null,
    });
  }
  return { title: typeof o.t === 'string' ? o.t.slice(0, 200) : '', views };
}
