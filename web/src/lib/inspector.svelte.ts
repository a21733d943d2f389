import type { FeatureResponse } from '../../../common/api-types';
import { ApiRequestError, getJson } from './api';

/** A feature under the pointer: what its tile carries, shown at once without a request. */
export interface HoverInfo {
  layer: string;
  id: number | null;
  properties: Record<string, unknown>;
  /** CSS pixels from the map's top-left. */
  x: number;
  y: number;
}

/** Hover and selection; a selection fetches the full record and provenance from the API. */
export class Inspector {
  hover = $state.raw<HoverInfo | null>(null);
  /** A clicked alert or H3 cell: its card stays up until the next click (issue #12 item 5). */
  pinned = $state.raw<HoverInfo | null>(null);
  selected = $state.raw<{ layer: string; id: number } | null>(null);
  feature = $state.raw<FeatureResponse | null>(null);
  loading = $state(false);
  error = $state<string | null>(null);
  #abort: AbortController | null = null;

  async select(layer: string, id: number): Promise<void> {
    this.#abort?.abort();
    const abort = (this.#abort = new AbortController());
    this.selected = { layer, id };
    this.feature = null;
    this.error = null;
    this.loading = true;
    try {
      const feature = await getJson<FeatureResponse>(
        `/api/features/${encodeURIComponent(layer)}/${id}`,
        abort.signal,
      );
      if (!abort.signal.aborted) this.feature = feature;
    } catch (error) {
      if (abort.signal.aborted) return;
      this.error =
        error instanceof ApiRequestError ? error.message : 'The feature could not be loaded.';
    } finally {
      if (!abort.signal.aborted) this.loading = false;
    }
  }

  /** Loads the selection again (after an error). */
  retry(): Promise<void> | undefined {
    return this.selected ? this.select(this.selected.layer, this.selected.id) : undefined;
  }

  clear(): void {
    this.#abort?.abort();
    this.selected = null;
    this.feature = null;
    this.error = null;
    this.loading = false;
  }
}
