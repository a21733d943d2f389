import type { MaintenanceRisk, SensorAssetType } from '../../../common/sensor-types';
import { getJson } from './api';

/** How often risk scores are fetched again while a layer is coloured by them. */
const REFRESH_MS = 60_000;

/**
 * Maintenance-risk scores of water and power assets from `/api/maintenance` (issue #4), fetched
 * while a layer is coloured by risk and again every minute. `version` changes when scores do,
 * so deck.gl recolours loaded tiles by feature id without fetching them again.
 */
export class MaintenanceRiskFeed {
  version = $state(0);
  readonly #risk = new Map<string, number>();
  #timer: ReturnType<typeof setInterval> | null = null;

  /**
   * Polls while `on`, stops otherwise. Safe to call while layers are derived: it changes no
   * state until the first response arrives.
   */
  track(on: boolean): void {
    if (on && !this.#timer) {
      this.#timer = setInterval(() => void this.#load(), REFRESH_MS);
      void this.#load();
    } else if (!on && this.#timer) {
      clearInterval(this.#timer);
      this.#timer = null;
    }
  }

  async #load(): Promise<void> {
    try {
      const body = await getJson<{ assets: MaintenanceRisk[] }>('/api/maintenance');
      this.#risk.clear();
      for (const a of body.assets) this.#risk.set(`${a.asset_type}:${a.asset_id}`, a.risk);
      this.version++;
    } catch {
      // The status banner reports an unreachable server; the next refresh retries.
    }
  }

  /** The asset's risk (0–1); undefined when it has no sensors. */
  risk(type: SensorAssetType, id: number): number | undefined {
    return this.#risk.get(`${type}:${id}`);
  }
}

/** The page's one risk feed. */
export const maintenanceRisk = new MaintenanceRiskFeed();
