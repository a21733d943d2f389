import type { LayerSettings } from './layer-settings.svelte';
import { LAYER_IDS } from './layer-specs';
import type { ScenarioState } from './scenario-state.svelte';
import { decodeStory, encodeStory, MAX_VIEWS, type Story, type StoryView } from './story';
import type { TimePlayer } from './time-player.svelte';
import type { TwinMap } from './twin-map.svelte';
import type { ShareState } from './url-hash';

/**
 * What a story reads from and sets on the workspace that owns it: declared here, so this module
 * does not import the workspace that imports it.
 */
export interface StoryHost {
  presenting: boolean;
  phonePanel: string | null;
  readonly twin: TwinMap | null;
  readonly settings: LayerSettings;
  readonly mode: '2d' | '3d';
  setMode(next: '2d' | '3d'): void;
  readonly scenarios: ScenarioState;
  readonly compare: boolean;
  readonly player: TimePlayer;
  restoreScenario(state: Pick<ShareState, 'scenario' | 'compare'>): Promise<void>;
}

const STORE = 'city-twin.story';

/**
 * Presentation mode (issue #12 item 7): a story of saved views — camera, layers, 2D/3D, scenario
 * and compare, sensor time — with captions, stepped through full-screen. Kept in this browser
 * (localStorage) while written, and shared as a `#story=…&step=n` link.
 */
export class StoryPlayer {
  story = $state.raw<Story>({ title: '', views: [] });
  /** The view shown while presenting (0-based). */
  step = $state(0);
  readonly #ws: StoryHost;

  constructor(ws: StoryHost) {
    this.#ws = ws;
    try {
      const saved = localStorage.getItem(STORE);
      const story = saved ? decodeStory(saved, LAYER_IDS) : null;
      if (story) this.story = story;
    } catch {
      // No storage (private mode): the story lives as long as the page.
    }
  }

  get presenting(): boolean {
    return this.#ws.presenting;
  }
  get encoded(): string | null {
    return this.story.views.length > 0 ? encodeStory(this.story) : null;
  }
  /** The shareable link that opens this story in presentation mode. */
  get link(): string | null {
    const e = this.encoded;
    return e ? `${location.origin}${location.pathname}${location.search}#story=${e}&step=1` : null;
  }

  #save(story: Story): void {
    this.story = story;
    try {
      if (story.views.length > 0) localStorage.setItem(STORE, encodeStory(story));
      else localStorage.removeItem(STORE);
    } catch {
      // see the constructor
    }
  }

  /** What the map shows now, as a view. */
  capture(caption: string): StoryView | null {
    const ws = this.#ws;
    const camera = ws.twin?.camera;
    if (!camera) return null;
    return {
      caption,
      camera,
      layers: ws.settings.visibleIds,
      view: ws.mode,
      scenario: ws.scenarios.current?.id ?? null,
      compare: ws.compare,
      at: ws.player.at?.toISOString() ?? null,
    };
  }

  add(caption: string): void {
    const view = this.capture(caption.trim());
    if (view && this.story.views.length < MAX_VIEWS)
      this.#save({ ...this.story, views: [...this.story.views, view] });
  }
  setCaption(i: number, caption: string): void {
    this.#save({
      ...this.story,
      views: this.story.views.map((v, k) => (k === i ? { ...v, caption } : v)),
    });
  }
  setTitle(title: string): void {
    this.#save({ ...this.story, title });
  }
  remove(i: number): void {
    this.#save({ ...this.story, views: this.story.views.filter((_, k) => k !== i) });
  }

  /** Opens a shared story (already decoded) at a step. */
  load(story: Story, step: number): void {
    this.story = story;
    void this.present(step);
  }

  async present(from = 0): Promise<void> {
    if (this.story.views.length === 0) return;
    this.#ws.presenting = true;
    this.#ws.phonePanel = null;
    // Full screen where the browser allows it (a click did start this); stepping works either way.
    await document.documentElement.requestFullscreen?.().catch(() => undefined);
    await this.go(from);
  }

  async go(i: number): Promise<void> {
    const view = this.story.views[Math.max(0, Math.min(this.story.views.length - 1, i))];
    if (!view) return;
    this.step = this.story.views.indexOf(view);
    await this.#apply(view);
  }
  next(): Promise<void> {
    return this.go(this.step + 1);
  }
  previous(): Promise<void> {
    return this.go(this.step - 1);
  }

  exit(): void {
    this.#ws.presenting = false;
    if (document.fullscreenElement) void document.exitFullscreen().catch(() => undefined);
  }

  async #apply(v: StoryView): Promise<void> {
    const ws = this.#ws;
    ws.settings.setVisible(v.layers);
    if (v.view !== ws.mode) ws.setMode(v.view);
    ws.twin?.map.flyTo({ ...v.camera, duration: 1200, essential: true });
    const player = ws.player;
    player.pause();
    if (v.at) {
      player.now = Date.now();
      const minutes = Math.max(0, (player.now - Date.parse(v.at)) / 60_000);
      if (minutes > player.span) player.setWindow('all');
      player.offset = Math.min(player.span, Math.round(minutes / player.step) * player.step);
    } else {
      player.offset = 0;
    }
    await ws.restoreScenario({
      scenario: v.scenario ?? undefined,
      compare: v.compare ? 'swipe' : undefined,
    });
  }
}
