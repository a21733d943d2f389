import type { HistoryRange } from '../../../common/sensor-types';
import { getJson } from './api';

/** How far back the slider reaches, and its step. */
export const WINDOWS = {
  '24h': { label: 'Last 24 hours', minutes: 24 * 60, step: 15 },
  '3d': { label: 'Last 3 days', minutes: 3 * 24 * 60, step: 30 },
  '7d': { label: 'Last 7 days', minutes: 7 * 24 * 60, step: 60 },
  all: { label: 'All history', minutes: Infinity, step: 60 },
} as const;
export type TimeWindow = keyof typeof WINDOWS;

/** Real milliseconds between two steps while playing (at 1×). */
const TICK_MS = 800;

/**
 * The sensor time slider's state (issue #12 item 5): a window back from now (24 h up to the
 * retained history, `/api/readings/range`), the time shown as minutes before now (0: live), and
 * play / pause / speed, which step the time forward until it reaches live.
 */
export class TimePlayer {
  window = $state<TimeWindow>('24h');
  /** Minutes before `now` the map shows; 0 is live. */
  offset = $state(0);
  playing = $state(false);
  /** Steps per tick: 1×, 4×, 16×. */
  speed = $state(1);
  range = $state.raw<HistoryRange | null>(null);
  /** "Now" for the slider, refreshed each minute so the window follows the clock. */
  now = $state(Date.now());
  #timer: ReturnType<typeof setInterval> | null = null;
  // eslint-disable-next-line no-unused-private-class-members -- set once (??=), so start() may be called again
  #clock: ReturnType<typeof setInterval> | null = null;

  /** The stored history's length, minutes (0 until known). */
  readonly historyMinutes = $derived(
    this.range?.from
      ? Math.max(0, Math.floor((this.now - Date.parse(this.range.from)) / 60_000))
      : 0,
  );
  readonly step = $derived(WINDOWS[this.window].step);
  /** The slider's span, minutes: the window, but no further back than the history (≥ 1 step). */
  readonly span = $derived.by(() => {
    const want = WINDOWS[this.window].minutes;
    const have = this.historyMinutes > 0 ? this.historyMinutes : 24 * 60;
    const span = Math.min(want, Math.max(have, this.step));
    return Math.max(this.step, Math.floor(span / this.step) * this.step);
  });
  /** The time shown; null: live. */
  readonly at = $derived(this.offset === 0 ? null : new Date(this.now - this.offset * 60_000));
  /** Which windows are worth offering: those the history reaches into. */
  readonly windows = $derived(
    (Object.keys(WINDOWS) as TimeWindow[]).filter(
      (w) => w === '24h' || w === 'all' || this.historyMinutes > WINDOWS[w].minutes / 2,
    ),
  );

  async start(): Promise<void> {
    this.#clock ??= setInterval(() => {
      if (this.offset === 0 || !this.playing) this.now = Date.now();
    }, 60_000);
    try {
      this.range = await getJson<HistoryRange>('/api/readings/range');
    } catch {
      // Without the range the slider offers the last 24 hours.
    }
  }

  setWindow(w: TimeWindow): void {
    this.window = w;
    this.offset = Math.min(this.offset, this.span);
    this.offset = Math.round(this.offset / this.step) * this.step;
  }

  /** From the slider: 0 is the window's start, `span` is now. */
  setPosition(position: number): void {
    this.offset = Math.max(0, Math.min(this.span, this.span - position));
  }

  live(): void {
    this.pause();
    this.offset = 0;
    this.now = Date.now();
  }

  play(): void {
    if (this.#timer) return;
    this.now = Date.now();
    // From live, play the window from its start.
    if (this.offset === 0) this.offset = this.span;
    this.playing = true;
    this.#timer = setInterval(() => this.tick(), TICK_MS);
  }

  /** One step forward; at live, playing stops. */
  tick(): void {
    this.offset = Math.max(0, this.offset - this.step * this.speed);
    if (this.offset === 0) this.pause();
  }

  pause(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.playing = false;
  }
}
