import type { Layer } from '@deck.gl/core';
import type { CatalogLayer, CatalogResponse } from '../../../common/api-types';
import { api, getJson } from './api';
import { hexToRgb, type Category, type RGB } from './color-ramps';
import { CUSTOM_COLOR, customLayer } from './layers/custom-layer';
import { session } from './session.svelte';
import type { Bounds } from './twin-map.svelte';

/** Distinct colours for a field's values (Okabe–Ito, colour-blind safe), the last for "other". */
const PALETTE = [
  '#0072b2',
  '#e69f00',
  '#009e73',
  '#cc79a7',
  '#56b4e9',
  '#d55e00',
  '#f0e442',
  '#999999',
];
const MAX_CATEGORIES = PALETTE.length - 1;

/** The dataset behind an imported layer (GIS staff see `/api/datasets`). */
export interface DatasetInfo {
  id: string;
  layer: string | null;
  name: string;
  feature_count: number;
  extent: Bounds | null;
}

/** One imported layer's look: opacity, the field it is coloured by, and that field's legend. */
class CustomLook {
  opacity = $state(1);
  field = $state<string | null>(null);
  legend = $state.raw<Category[]>([]);
  version = $state(0);
  #colors = new Map<string, RGB>();

  setField(field: string | null): void {
    this.field = field;
    this.legend = [];
    this.#colors.clear();
    this.version++;
    // The tiles in view are loaded already: learn the new field's values from them at once.
    this.#learn();
  }

  colorOf = (value: unknown): RGB => {
    if (value === undefined || value === null || value === '') return hexToRgb('#bbbbbb');
    return this.#colors.get(String(value)) ?? hexToRgb(PALETTE.at(-1)!);
  };

  /** The features of the tiles last loaded in view (replace-only; not state). */
  #features: { properties?: Record<string, unknown> }[] = [];

  /** The tiles in view have loaded: keep their features and learn the field's values from them. */
  seen(features: { properties?: Record<string, unknown> }[]): void {
    this.#features = features;
    this.#learn();
  }

  /** The values in view: the most frequent get their own colour, the rest "other". */
  #learn(): void {
    const field = this.field;
    if (!field) return;
    const counts = new Map<string, number>();
    for (const f of this.#features) {
      const v = f.properties?.[field];
      if (v !== undefined && v !== null && v !== '')
        counts.set(String(v), (counts.get(String(v)) ?? 0) + 1);
    }
    let changed = false;
    for (const [v] of [...counts].sort((a, b) => b[1] - a[1])) {
      if (this.#colors.has(v) || this.#colors.size >= MAX_CATEGORIES) continue;
      this.#colors.set(v, hexToRgb(PALETTE[this.#colors.size]!));
      changed = true;
    }
    const other = [...counts.keys()].some((v) => !this.#colors.has(v));
    if (!changed && other === this.legend.some((c) => c.value === '\u0000other')) return;
    this.legend = [
      ...[...this.#colors].map(([v], i) => ({ value: v, label: v, color: PALETTE[i]! })),
      ...(other ? [{ value: '\u0000other', label: 'other values', color: PALETTE.at(-1)! }] : []),
    ];
    this.version++;
  }
}

/**
 * Layers created by imports (issue #6), read from `/tiles/catalog.json`: every catalogue layer
 * the map has no built-in spec for. Shown in their own panel as compact cards (issue #12 item 6):
 * count, geometry, fields, colour by a field with a legend, opacity, zoom-to and remove.
 */
export class CustomLayers {
  list = $state.raw<CatalogLayer[]>([]);
  visible = $state.raw<ReadonlySet<string>>(new Set());
  datasets = $state.raw<DatasetInfo[]>([]);
  error = $state<string | null>(null);
  readonly #builtIn: ReadonlySet<string>;
  readonly #looks = new Map<string, CustomLook>();

  constructor(builtInIds: readonly string[]) {
    this.#builtIn = new Set(builtInIds);
  }

  look(name: string): CustomLook {
    let l = this.#looks.get(name);
    if (!l) this.#looks.set(name, (l = new CustomLook()));
    return l;
  }

  /** The newest dataset that fed a layer (its count, extent and id for removal). */
  datasetOf(name: string): DatasetInfo | null {
    return this.datasets.find((d) => d.layer === name) ?? null;
  }

  /** Re-reads the catalogue (and, for GIS staff, the datasets); `show` makes a (new) layer visible. */
  async refresh(show?: string): Promise<void> {
    try {
      const catalog = await getJson<CatalogResponse>('/tiles/catalog.json');
      this.list = catalog.layers.filter((l) => !this.#builtIn.has(l.name));
      this.error = null;
      if (show && this.list.some((l) => l.name === show))
        this.visible = new Set([...this.visible, show]);
      if (session.can('gis'))
        this.datasets = (await api.get<{ datasets: DatasetInfo[] }>('/api/datasets')).datasets;
    } catch (error) {
      this.error = (error as Error).message;
    }
  }

  toggle(name: string, on: boolean): void {
    const next = new Set(this.visible);
    if (on) next.add(name);
    else next.delete(name);
    this.visible = next;
  }

  /** Deletes the layer's dataset (GIS staff) and drops the layer from the map. */
  async remove(name: string): Promise<void> {
    const d = this.datasetOf(name);
    if (!d) return;
    try {
      await api.delete(`/api/datasets/${d.id}`);
      this.toggle(name, false);
      await this.refresh();
    } catch (error) {
      this.error = (error as Error).message;
    }
  }

  /** The visible custom layers as deck.gl layers. */
  deckLayers(onTileError: (layer: string, error: unknown) => void): Layer[] {
    return this.list
      .filter((l) => this.visible.has(l.name))
      .map((l) => {
        const look = this.look(l.name);
        return customLayer(
          l.name,
          {
            url: `${location.origin}/tiles/${l.name}/{z}/{x}/{y}.mvt`,
            minZoom: l.minzoom,
            maxZoom: l.maxzoom,
            visible: true,
            opacity: look.opacity,
            generation: 0,
            highlightedId: null,
            onTileError: (error) => onTileError(l.name, error),
          },
          {
            field: look.field,
            colorOf: look.colorOf,
            version: look.version,
            onFeatures: (f) => look.seen(f),
          },
        );
      });
  }
}

export { CUSTOM_COLOR };
