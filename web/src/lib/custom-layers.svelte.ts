import type { Layer } from '@deck.gl/core';
import type { CatalogLayer, CatalogResponse } from '../../../common/api-types';
import { getJson } from './api';
import { customLayer } from './layers/custom-layer';

/**
 * Layers created by imports (issue #6), read from `/tiles/catalog.json`: every catalogue layer
 * the map has no built-in spec for. Shown in their own panel; drawn as plain deck.gl tile layers.
 */
export class CustomLayers {
  list = $state.raw<CatalogLayer[]>([]);
  visible = $state.raw<ReadonlySet<string>>(new Set());
  error = $state<string | null>(null);
  readonly #builtIn: ReadonlySet<string>;

  constructor(builtInIds: readonly string[]) {
    this.#builtIn = new Set(builtInIds);
  }

  /** Re-reads the catalogue; `show` makes a (new) layer visible. */
  async refresh(show?: string): Promise<void> {
    try {
      const catalog = await getJson<CatalogResponse>('/tiles/catalog.json');
      this.list = catalog.layers.filter((l) => !this.#builtIn.has(l.name));
      this.error = null;
      if (show && this.list.some((l) => l.name === show)) this.visible = new Set([...this.visible, show]);
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

  /** The visible custom layers as deck.gl layers. */
  deckLayers(onTileError: (layer: string, error: unknown) => void): Layer[] {
    return this.list
      .filter((l) => this.visible.has(l.name))
      .map((l) =>
        customLayer(l.name, {
          url: `${location.origin}/tiles/${l.name}/{z}/{x}/{y}.mvt`,
          minZoom: l.minzoom,
          maxZoom: l.maxzoom,
          visible: true,
          opacity: 1,
          generation: 0,
          highlightedId: null,
          onTileError: (error) => onTileError(l.name, error),
        }),
      );
  }
}
