import type { DashboardResponse } from '../../../common/api-types';
import { ApiRequestError, getJson } from '../lib/api';

/** How often the dashboard asks again (the server keeps one answer for 15 s). */
const REFRESH_MS = 60_000;

/** `GET /api/dashboard`, fetched at start and every minute while the page is open. */
export class DashboardFeed {
  data = $state.raw<DashboardResponse | null>(null);
  error = $state<string | null>(null);
  #timer: ReturnType<typeof setInterval> | null = null;

  start(): () => void {
    void this.load();
    this.#timer ??= setInterval(() => void this.load(), REFRESH_MS);
    return () => {
      if (this.#timer) clearInterval(this.#timer);
      this.#timer = null;
    };
  }

  async load(): Promise<void> {
    try {
      this.data = await getJson<DashboardResponse>('/api/dashboard');
      this.error = null;
    } catch (error) {
      this.error =
        error instanceof ApiRequestError ? error.message : 'The dashboard could not be loaded.';
    }
  }
}
