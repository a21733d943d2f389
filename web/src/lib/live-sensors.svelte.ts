import type { LiveUpdate, SensorListResponse } from '../../../common/sensor-types';

/** Redraws at most this often while readings stream in. */
const REDRAW_MS = 250;

/**
 * Current speed ratios of road links, from `/api/sensors` once and then `/api/live` (server-sent
 * events). `version` changes when ratios do, so deck.gl recolours loaded tiles by feature id
 * without fetching them again.
 */
export class LiveSensors {
  version = $state(0);
  readonly #roadRatio = new Map<number, number>();
  #source: EventSource | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;

  /** Starts once; later calls do nothing. */
  start(): void {
    if (this.#source || typeof EventSource === 'undefined') return;
    this.#source = new EventSource('/api/live?kind=traffic_speed');
    this.#source.addEventListener('readings', (e) => {
      for (const u of JSON.parse((e as MessageEvent<string>).data) as LiveUpdate[]) this.#apply(u);
      this.#bump();
    });
    void fetch('/api/sensors?kind=traffic_speed&limit=50000')
      .then((r) => (r.ok ? (r.json() as Promise<SensorListResponse>) : null))
      .then((body) => {
        for (const s of body?.sensors ?? []) {
          if (s.asset_type === 'road_link' && s.asset_id && s.current?.ratio != null) {
            this.#roadRatio.set(Number(s.asset_id), s.current.ratio);
          }
        }
        this.#bump();
      })
      .catch(() => undefined);
  }

  /** Speed ÷ free-flow speed on a road link, when a sensor on it has reported. */
  roadRatio(id: number): number | undefined {
    return this.#roadRatio.get(id);
  }

  #apply(u: LiveUpdate): void {
    if (u.asset_type === 'road_link' && u.asset_id && u.ratio !== null) this.#roadRatio.set(Number(u.asset_id), u.ratio);
  }

  #bump(): void {
    this.#timer ??= setTimeout(() => {
      this.#timer = null;
      this.version++;
    }, REDRAW_MS);
  }
}

/** The page's one live feed. */
export const liveSensors = new LiveSensors();
