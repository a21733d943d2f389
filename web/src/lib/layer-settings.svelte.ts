import { RISK_LEGEND, ROADS_LIVE_LEGEND, type LegendSection, type LayerSpec } from './layer-specs';
import { liveSensors } from './live-sensors.svelte';
import type { ColorBy } from './layers/tile-options';

/** One layer's switch, opacity and load state, as the panel shows and the map draws it. */
export class LayerState {
  readonly spec: LayerSpec;
  visible = $state(false);
  /** 0–1. */
  opacity = $state(1);
  /** What went wrong loading this layer, in words for the user; null when fine. */
  error = $state<string | null>(null);
  /** Bumped on retry, so the map drops failed tiles and fetches again. */
  generation = $state(0);
  /** Legend sections known only at run time (the basemap's, from its style). */
  extraLegend = $state.raw<LegendSection[]>([]);
  /** Water and power layers: by their own palette, or by maintenance risk (issue #4). */
  colorBy = $state<ColorBy>('type');
  /** False for a layer the caller may not see (a staff layer for the public; issue #9). */
  available = $state(true);

  constructor(spec: LayerSpec, visible: boolean) {
    this.spec = spec;
    this.visible = visible;
  }

  get legend(): LegendSection[] {
    if (this.colorBy === 'risk' && this.spec.riskAssetType) return RISK_LEGEND;
    // The legend says what the map draws: live speed colours the roads that have a sensor.
    if (this.spec.id === 'roads' && liveSensors.coloured) return ROADS_LIVE_LEGEND;
    return [...this.spec.legend, ...this.extraLegend];
  }

  fail(message: string): void {
    // Keep the first message: later tiles usually fail for the same reason.
    this.error ??= message;
  }

  retry(): void {
    this.error = null;
    this.generation++;
  }
}

/** All layers of the map, in panel order. */
export class LayerSettings {
  readonly all: LayerState[];
  readonly #byId: Map<string, LayerState>;

  constructor(specs: readonly LayerSpec[], visibleIds?: readonly string[]) {
    const visible = visibleIds ? new Set(visibleIds) : null;
    this.all = specs.map((s) => new LayerState(s, visible ? visible.has(s.id) : s.defaultVisible));
    this.#byId = new Map(this.all.map((l) => [l.spec.id, l]));
  }

  get(id: string): LayerState {
    const l = this.#byId.get(id);
    if (!l) throw new Error(`unknown layer ${id}`);
    return l;
  }

  /** Ids of the visible layers, in panel order (what the URL keeps). */
  get visibleIds(): string[] {
    return this.all.filter((l) => l.visible).map((l) => l.spec.id);
  }

  setVisible(ids: readonly string[]): void {
    const wanted = new Set(ids);
    for (const l of this.all) l.visible = wanted.has(l.spec.id);
  }

  /**
   * Keeps only the tile layers the server's catalogue lists for this user (and the client-side
   * ones, like labels): the others leave the panel and the map.
   */
  keepOnly(tileLayers: ReadonlySet<string>): void {
    for (const l of this.all) {
      l.available = l.spec.kind === 'labels' || tileLayers.has(l.spec.id);
      if (!l.available) l.visible = false;
    }
  }

  /** The layers the panel lists. */
  get shown(): LayerState[] {
    return this.all.filter((l) => l.available);
  }

  get failed(): LayerState[] {
    return this.all.filter((l) => l.error !== null);
  }
}
