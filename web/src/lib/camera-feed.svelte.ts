import type { CameraInfo, CameraListResponse, FrameNotice } from '../../../common/camera-types';
import { getJson } from './api';

/**
 * The traffic cameras (issue #17): their sites from `/api/cameras` once, then the time of each
 * one's latest frame from the live stream (`/api/live?kind=camera`, `frame` events) — one
 * stream for every camera, no polling per camera.
 */
export class CameraFeed {
  cameras = $state.raw<CameraInfo[]>([]);
  /** Camera id → ISO time of its latest frame. */
  latest = $state.raw<ReadonlyMap<string, string>>(new Map());
  /** The newest notice (the open panel appends it to its strip). */
  lastNotice = $state.raw<FrameNotice | null>(null);
  #source: EventSource | null = null;

  /** Starts once; later calls do nothing. */
  start(): void {
    if (this.#source || typeof EventSource === 'undefined') return;
    this.#source = new EventSource('/api/live?kind=camera');
    this.#source.addEventListener('frame', (e) => {
      const n = JSON.parse((e as MessageEvent<string>).data) as FrameNotice;
      const prev = this.latest.get(n.camera);
      if (prev && prev >= n.ts) return;
      this.latest = new Map(this.latest).set(n.camera, n.ts);
      this.lastNotice = n;
    });
    void this.load();
  }

  /** (Re)loads the sites, e.g. after signing in (frames_visible depends on the caller). */
  async load(): Promise<void> {
    await Promise.resolve();
    const body = await getJson<CameraListResponse>('/api/cameras').catch(() => null);
    if (!body) return;
    this.cameras = body.cameras;
    const latest = new Map(this.latest);
    for (const c of body.cameras) {
      const known = latest.get(c.id);
      if (c.latest_frame && (!known || known < c.latest_frame)) latest.set(c.id, c.latest_frame);
    }
    this.latest = latest;
  }

  stop(): void {
    this.#source?.close();
    this.#source = null;
  }
}

/** "12 s ago", "3 min ago", "2 h ago" — how old the latest frame is. */
export function frameAge(ts: string | undefined, now: number): string {
  if (!ts) return 'no frame yet';
  const s = Math.max(0, Math.round((now - Date.parse(ts)) / 1000));
  if (s < 90) return `${s} s ago`;
  if (s < 5400) return `${Math.round(s / 60)} min ago`;
  return `${Math.round(s / 3600)} h ago`;
}
