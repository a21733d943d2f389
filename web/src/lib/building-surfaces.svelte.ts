import type { BuildingSurfaces, BuildingSurfacesResponse } from '../../../common/api-types';
import { ApiRequestError, getJson } from './api';
import type { Bounds } from './twin-map.svelte';

/** LoD2 surfaces are fetched from this zoom up (a whole district below it would be too much). */
export const SURFACES_MIN_ZOOM = 15;
/** The server's largest bbox side (server/buildings/surface-routes.ts), degrees. */
const MAX_BBOX_DEG = 0.2;

/**
 * LoD2+ building surfaces for the current view (issue #15), fetched when the camera settles in
 * 3D at zoom ≥ 15. `has(id)` tells the extruded buildings layer which buildings the surfaces
 * draw (they are left flat there); `version` changes with every answer.
 */
export class BuildingSurfacesFeed {
  data = $state.raw<BuildingSurfaces[]>([]);
  version = $state(0);
  pending = $state(false);
  error = $state<string | null>(null);
  truncated = $state(false);
  #ids = new Set<number>();
  #abort: AbortController | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #last = '';

  has(id: number): boolean {
    return this.#ids.has(id);
  }

  /**
   * Asks for the surfaces in `bounds` (clamped around its centre to the server's bbox limit),
   * after the camera has rested 200 ms; off (below the zoom, in 2D, buildings hidden): clears.
   * `query` is the tile query of an open scenario (`?scenario=…`).
   */
  request(bounds: Bounds, zoom: number, on: boolean, query = ''): void {
    if (!on || zoom < SURFACES_MIN_ZOOM) {
      this.#abort?.abort();
      if (this.#timer) clearTimeout(this.#timer);
      this.pending = false;
      this.#last = '';
      if (this.data.length) this.#set([], false);
      return;
    }
    const [w, s, e, n] = bounds;
    const half = MAX_BBOX_DEG / 2 - 1e-6;
    const cx = (w + e) / 2,
      cy = (s + n) / 2;
    const bbox = [
      Math.max(w, cx - half),
      Math.max(s, cy - half),
      Math.min(e, cx + half),
      Math.min(n, cy + half),
    ];
    const scenario = new URLSearchParams(query.replace(/^\?/, '')).get('scenario');
    const q = `bbox=${bbox.map((v) => v.toFixed(4)).join(',')}${scenario ? `&scenario=${encodeURIComponent(scenario)}` : ''}`;
    if (q === this.#last && !this.error) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.pending = true;
    this.#timer = setTimeout(() => void this.#fetch(q), 200);
  }

  #set(buildings: BuildingSurfaces[], truncated: boolean): void {
    this.data = buildings;
    this.#ids = new Set(buildings.map((b) => b.id));
    this.truncated = truncated;
    this.version++;
  }

  async #fetch(query: string): Promise<void> {
    this.#abort?.abort();
    const abort = (this.#abort = new AbortController());
    this.#last = query;
    try {
      const body = await getJson<BuildingSurfacesResponse>(
        `/api/buildings/surfaces?${query}`,
        abort.signal,
      );
      if (abort.signal.aborted) return;
      this.#set(body.buildings, body.truncated);
      this.error = null;
    } catch (error) {
      if (abort.signal.aborted) return;
      this.error =
        error instanceof ApiRequestError ? error.message : 'Building surfaces could not be loaded.';
    } finally {
      if (!abort.signal.aborted) this.pending = false;
    }
  }
}
