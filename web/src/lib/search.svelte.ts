import type { SearchResponse, SearchResult } from '../../../common/api-types';
import { ApiRequestError, getJson } from './api';

/** Waits this long after the last keystroke before asking the server. */
const DEBOUNCE_MS = 180;

/** The URL's `find=` value of a result: its kind and label, `street:King Boulevard`. */
export const findKey = (r: Pick<SearchResult, 'kind' | 'label'>) => `${r.kind}:${r.label}`;

/**
 * The search box's state (issue #12 item 3): the query, the server's ranked results
 * (`/api/search`), the highlighted row and the chosen result, which the URL keeps as `find=`.
 */
export class SearchState {
  query = $state('');
  results = $state.raw<SearchResult[]>([]);
  active = $state(0);
  open = $state(false);
  pending = $state(false);
  error = $state<string | null>(null);
  chosen = $state.raw<SearchResult | null>(null);
  #timer: ReturnType<typeof setTimeout> | null = null;
  #abort: AbortController | null = null;

  /** Sets the query and searches shortly after typing pauses. */
  type(query: string): void {
    this.query = query;
    this.open = true;
    if (this.#timer) clearTimeout(this.#timer);
    if (query.trim().length < 2) {
      this.#abort?.abort();
      this.results = [];
      this.pending = false;
      return;
    }
    this.pending = true;
    this.#timer = setTimeout(() => void this.run(query), DEBOUNCE_MS);
  }

  /** Searches now; resolves with the results (also kept in `results`). */
  async run(query = this.query): Promise<SearchResult[]> {
    this.#abort?.abort();
    const abort = (this.#abort = new AbortController());
    this.pending = true;
    try {
      const body = await getJson<SearchResponse>(
        `/api/search?q=${encodeURIComponent(query.trim())}&limit=8`,
        abort.signal,
      );
      if (abort.signal.aborted) return [];
      this.results = body.results;
      this.active = 0;
      this.error = null;
      return body.results;
    } catch (error) {
      if (abort.signal.aborted) return [];
      this.error = error instanceof ApiRequestError ? error.message : 'Search failed.';
      this.results = [];
      return [];
    } finally {
      if (!abort.signal.aborted) this.pending = false;
    }
  }

  move(step: number): void {
    if (this.results.length === 0) return;
    this.active = (this.active + step + this.results.length) % this.results.length;
  }

  choose(result: SearchResult): void {
    this.chosen = result;
    this.query = result.label;
    this.open = false;
  }

  clear(): void {
    this.query = '';
    this.results = [];
    this.chosen = null;
    this.open = false;
  }

  /**
   * Restores a shared `find=kind:label` (the camera comes from the URL itself): searches for
   * the label and takes the hit of that kind with exactly that label.
   */
  async restore(key: string): Promise<SearchResult | null> {
    const label = key.slice(key.indexOf(':') + 1);
    if (!key.includes(':') || label.trim().length < 2) return null;
    const results = await this.run(label);
    const hit = results.find((r) => findKey(r) === key) ?? null;
    if (hit) this.choose(hit);
    return hit;
  }
}
