import type { Deck, Layer } from '@deck.gl/core';
import type { Inspector } from './inspector.svelte';
import type { Measure } from './measure.svelte';
import type { SearchState } from './search.svelte';
import type { SunStudy } from './sun-study.svelte';
import { liveSensors, type LiveSensors } from './live-sensors.svelte';
import { maintenanceRisk, type MaintenanceRiskFeed } from './maintenance-risk.svelte';
import type { LabelFeed } from './label-feed.svelte';
import type { BuildingSurfacesFeed } from './building-surfaces.svelte';
import type { LayerSettings } from './layer-settings.svelte';
import type { TwinMap } from './twin-map.svelte';

/** What tests and benchmarks drive through `window.__twin` (dev builds, or `?debug` in the URL). */
export interface TwinHandle {
  map: TwinMap['map'];
  settings: LayerSettings;
  inspector: Inspector;
  /** LoD2 building surfaces in view (issue #15). */
  surfaces?: BuildingSurfacesFeed;
  /** Live road speeds: tests wait on `version` and `roadRatio(id)` rather than on the clock. */
  live: LiveSensors;
  /** Maintenance-risk scores: `version` bumps when a fetch lands. */
  risk: MaintenanceRiskFeed;
  /** The map tools (search, measure, sun study), attached by MapTools.svelte. */
  tools?: { search: SearchState; measure: Measure; sun: SunStudy };
  /** Resolves once the basemap, every deck.gl layer and the labels are loaded and drawn. */
  whenIdle(timeoutMs?: number): Promise<void>;
}

declare global {
  interface Window {
    __twin?: TwinHandle;
  }
}

const frame = () => new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));

export function exposeForTests(parts: {
  twin: TwinMap;
  settings: LayerSettings;
  inspector: Inspector;
  labels: LabelFeed;
  surfaces?: BuildingSurfacesFeed;
}): void {
  if (!import.meta.env.DEV && !new URLSearchParams(location.search).has('debug')) return;
  const { twin, labels } = parts;
  const deck = () => (twin.overlay as unknown as { _deck?: Deck })._deck;

  const idle = () => {
    const map = twin.map;
    const layers = (deck()?.props.layers ?? []) as Layer[];
    return (
      map.loaded() &&
      !map.isMoving() &&
      map.areTilesLoaded() &&
      !labels.pending &&
      !parts.surfaces?.pending &&
      layers.every((l) => l.isLoaded)
    );
  };

  window.__twin = {
    map: twin.map,
    settings: parts.settings,
    inspector: parts.inspector,
    surfaces: parts.surfaces,
    live: liveSensors,
    risk: maintenanceRisk,
    async whenIdle(timeoutMs = 60_000) {
      const deadline = performance.now() + timeoutMs;
      let calm = 0;
      // Idle for several frames in a row: late tiles and re-placed labels get drawn.
      while (calm < 4) {
        if (performance.now() > deadline) throw new Error('the map did not settle in time');
        await frame();
        calm = idle() ? calm + 1 : 0;
      }
    },
  };
}
