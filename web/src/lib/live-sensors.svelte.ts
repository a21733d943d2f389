import type { LiveUpdate, SensorListResponse } from '../../../common/sensor-types';
import { getJson } from './api';

/** Redraws at most this often while readings stream in. */
const REDRAW_MS = 250;

/**
 * Current speed ratios of road links, from `/api/sensors` once and then `/api/live` (server-sent
 * events). `version` changes when ratios do, so deck.gl recolours loaded tiles by feature id
 * without fetching them again.
 */
export class LiveSensors {
  version = $state(0);
  /** The time the map shows; null: live. */
  at = $state.raw<Date | null>(null);
  /** Road links with a speed as of `at` (or now): 0 means there is no data to show. */
  reporting = $state(0);
  /** True while the state as of `at` is being fetched. */
  loading = $state(false);
  /** The time `reporting` counts for (null: live): the last answer, while a newer one loads. */
  shownAt = $state.raw<Date | null>(null);
  /** True while some road is coloured by its speed (the roads legend follows it). */
  coloured = $state(false);
  readonly #roadRatio = new Map<number, number>();
  #request = 0;
  #source: EventSource | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;

  /** Starts once; later calls do nothing. */
  start(): void {
    if (this.#source || typeof EventSource === 'undefined') return;
    this.#source = new EventSource('/api/live?kind=traffic_speed');
    this.#source.addEventListener('readings', (e) => {
      if (this.at) return;
      for (const u of JSON.parse((e as MessageEvent<string>).data) as LiveUpdate[]) this.#apply(u);
      this.#bump();
    });
    void this.#load(null);
  }

  /** Shows the city as of `at` (the time slider), or live again with null. */
  setAt(at: Date | null): void {
    this.at = at;
    void this.#load(at);
  }

  async #load(at: Date | null): Promise<void> {
    const request = ++this.#request;
    const query = at ? `&at=${encodeURIComponent(at.toISOString())}` : '';
    // `start` may run while the map's layers are derived: change no state before the first await.
    await Promise.resolve();
    this.loading = true;
    try {
      const body = await getJson<SensorListResponse>(
        `/api/sensors?kind=traffic_speed&limit=50000${query}`,
      );
      if (request !== this.#request) return;
      this.#roadRatio.clear();
      for (const s of body.sensors) {
        if (s.asset_type === 'road_link' && s.asset_id && s.current?.ratio != null) {
          this.#roadRatio.set(Number(s.asset_id), s.current.ratio);
        }
      }
      this.reporting = this.#roadRatio.size;
      this.shownAt = at;
      this.#bump();
    } catch {
      // The status banner reports an unreachable server; the next update retries.
    } finally {
      if (request === this.#request) this.loading = false;
    }
  }

  /** True while new ratios wait for the next redraw (at most REDRAW_MS). */
  get redrawPending(): boolean {
    return this.#timer !== null;
  }

  /** Speed ÷ free-flow speed on a road link, when a sensor on it has reported. */
  roadRatio(id: number): number | undefined {
    return this.#roadRatio.get(id);
  }

  #apply(u: LiveUpdate): void {
    if (u.asset_type === 'road_link' && u.asset_id && u.ratio !== null)
      this.#roadRatio.set(Number(u.asset_id), u.ratio);
  }

  #bump(): void {
    this.#timer ??= setTimeout(() => {
      this.#timer = null;
      this.reporting = this.#roadRatio.size;
      this.coloured = this.#roadRatio.size > 0;
      this.version++;
    }, REDRAW_MS);
  }
}

/** The page's one live feed. */
export const liveSensors = new LiveSensors();
