import type { LabelsResponse } from '../../../common/api-types';
import { ApiRequestError, getJson } from './api';
import { labelCandidates } from './layers/labels';
import type { LabelCandidate } from './label-placement';
import type { Bounds } from './twin-map.svelte';

const EMPTY: LabelsResponse = { streets: [], places: [] };

/** Street and place names for the current view, fetched when the camera settles. */
export class LabelFeed {
  data = $state.raw<LabelsResponse>(EMPTY);
  readonly candidates: LabelCandidate[] = $derived(labelCandidates(this.data));
  error = $state<string | null>(null);
  pending = $state(false);
  #abort: AbortController | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #last = '';

  /** Asks for the labels of `bounds` at `zoom`, after the camera has rested 200 ms. */
  request(bounds: Bounds, zoom: number): void {
    // Rounded, so small moves reuse the HTTP cache.
    const bbox = bounds.map((v) => v.toFixed(3)).join(',');
    const query = `bbox=${bbox}&zoom=${Math.floor(zoom)}`;
    if (query === this.#last && !this.error) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.pending = true;
    this.#timer = setTimeout(() => void this.#fetch(query), 200);
  }

  /** Fetches the last view again (after an error). */
  retry(): void {
    const q = this.#last;
    this.#last = '';
    if (q) void this.#fetch(q);
  }

  async #fetch(query: string): Promise<void> {
    this.#abort?.abort();
    const abort = (this.#abort = new AbortController());
    this.#last = query;
    this.pending = true;
    try {
      const data = await getJson<LabelsResponse>(`/api/labels?${query}`, abort.signal);
      if (abort.signal.aborted) return;
      this.data = data;
      this.error = null;
    } catch (error) {
      if (abort.signal.aborted) return;
      this.error = error instanceof ApiRequestError ? error.message : 'Labels could not be loaded.';
    } finally {
      if (!abort.signal.aborted) this.pending = false;
    }
  }
}
