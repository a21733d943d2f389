import type { Layer } from '@deck.gl/core';
import { getContext, setContext } from 'svelte';
import type {
  CatalogLayer,
  CatalogResponse,
  ImportJob,
  MapHome,
  TileJson,
} from '../../../common/api-types';
import type { BuildingUse, ScenarioEdit } from '../../../common/scenario-types';
import { ApiRequestError, describeTileError, getJson } from './api';
import { CustomLayers } from './custom-layers.svelte';
import { DrawTool } from './draw-tool';
import { boundsOf } from './edit-names';
import { ImportWizard } from './import-wizard.svelte';
import { Inspector } from './inspector.svelte';
import { LabelFeed } from './label-feed.svelte';
import { LAYER_IDS, LAYER_SPECS } from './layer-specs';
import { LayerSettings } from './layer-settings.svelte';
import { changesLayers } from './layers/changes-layer';
import type { ZoomRanges } from './layers/deck-layers';
import { impactLayers, type ImpactLayerId } from './layers/impact-layers';
import { inputOf, ScenarioState } from './scenario-state.svelte';
import { ServerStatus } from './server-status.svelte';
import { session } from './session.svelte';
import { StoryPlayer } from './story-player.svelte';
import { TimePlayer } from './time-player.svelte';
import type { Bounds, TwinMap } from './twin-map.svelte';
import { MAX_PITCH, parseHash, type Camera, type ShareState } from './url-hash';

export interface Setup {
  zooms: ZoomRanges;
  attributes: ReadonlyMap<string, CatalogLayer>;
  /** Where any layer has data: tiles are requested only inside. */
  extent: Bounds;
  /** The densest cluster of the data, or around TWIN_HOME: what "reset view" frames. */
  city: Bounds;
  /** TWIN_HOME's exact camera, when configured (issue #10). */
  home: { center: [number, number]; zoom: number } | null;
  /** The city's IANA time zone (the sun study's clock); null: the reader's own. */
  timeZone: string | null;
}

/** The map layers an import into a twin layer feeds (`--layer` name → tile layers). */
const TWIN_LAYER_TILES: Record<string, string[]> = {
  buildings: ['buildings'],
  roads: ['roads'],
  water: ['water_pipes', 'water_nodes'],
  power: ['power_lines', 'power_nodes'],
};

/** Which panel is open on a narrow screen (one at a time, as a drawer or bottom sheet). */
export type PhonePanel = 'layers' | 'scenario' | 'tools' | null;

/**
 * The map workspace's shared state (issue #12 item 8): the map, its layers and settings, the open
 * scenario, the time shown, and the operations panels call. App.svelte creates one and puts it in
 * the Svelte context; components read it with `useWorkspace()` instead of through props.
 */
export class Workspace {
  /** What the URL said when the page opened. */
  readonly shared: ShareState;
  readonly settings: LayerSettings;
  readonly inspector = new Inspector();
  readonly server = new ServerStatus();
  readonly labels = new LabelFeed();
  readonly importer = new ImportWizard();
  readonly customLayers = new CustomLayers(LAYER_IDS);
  readonly scenarios = new ScenarioState();
  readonly player = new TimePlayer();
  readonly story: StoryPlayer;

  mode = $state<'2d' | '3d'>('3d');
  setup = $state.raw<Setup | null>(null);
  setupError = $state<string | null>(null);
  twin = $state.raw<TwinMap | null>(null);
  camera = $state.raw<Camera | null>(null);
  settled = $state.raw<Camera | null>(null);
  basemapError = $state<string | null>(null);
  showImport = $state(false);
  /** Narrow screens: the one panel shown over the map. */
  phonePanel = $state<PhonePanel>(null);
  /** Presentation mode (a story stepped full-screen) hides the workspace's panels. */
  presenting = $state(false);

  // Scenarios (issue #5): drawing new footprints, the swipe compare view and impact layers.
  drawing = $state(false);
  /** The added building whose footprint corners are being dragged on the map. */
  movingCorners = $state<string | null>(null);
  compare = $state(false);
  floors = $state(10);
  use = $state<BuildingUse>('residential');
  /** Impact layers start off: each is switched on by the user, with its legend (issue #12). */
  impactVisible = $state.raw<ReadonlySet<ImpactLayerId>>(new Set());
  showChanges = $state(true);
  sensorLayers = $state.raw<Layer[]>([]);
  toolLayers = $state.raw<Layer[]>([]);
  /** Traffic cameras' icons and view cones (issue #17). */
  cameraLayers = $state.raw<Layer[]>([]);
  /** What search found, for the URL (issue #12 item 3). */
  find = $state<string | null>(null);

  #drawTool: DrawTool | null = null;
  #healthTimer: ReturnType<typeof setInterval> | null = null;

  readonly scenarioRef = $derived(
    this.scenarios.current
      ? { id: this.scenarios.current.id, version: this.scenarios.current.version }
      : null,
  );
  /**
   * Layers drawn above the tiles: sensors, tools, imported layers, then the scenario's impact
   * layers and its changes on top. A click on an impact layer passes through to the feature
   * under it (see MapView), so a changed road stays selectable.
   */
  readonly extraLayers = $derived([
    ...this.sensorLayers,
    ...this.cameraLayers,
    ...this.toolLayers,
    ...this.customLayers.deckLayers((layer, error) =>
      console.warn(`tile error in ${layer}:`, error),
    ),
    ...(this.scenarioRef ? impactLayers(this.scenarioRef, this.impactVisible) : []),
    ...(this.scenarioRef && this.showChanges && this.scenarios.changes
      ? changesLayers(this.scenarios.changes, this.scenarioRef.version, this.movingCorners)
      : []),
  ]);

  constructor(hash: string) {
    this.shared = parseHash(hash, LAYER_IDS);
    this.settings = new LayerSettings(LAYER_SPECS, this.shared.layers);
    this.mode = this.shared.view ?? '3d';
    this.camera = this.shared.camera ?? null;
    this.find = this.shared.find ?? null;
    this.importer.onSucceeded = (job) => void this.onImported(job);
    this.story = new StoryPlayer(this);
  }

  /** Loads what the page needs, then opens a shared link's scenario (subject to access). */
  start(): void {
    void this.customLayers.refresh();
    void session.load();
    void this.loadSetup();
    void this.scenarios.load().then(() => this.restoreScenario(this.shared));
  }

  /** Opens the scenario (and swipe) a URL names; says so when it is not there for this user. */
  async restoreScenario(state: Pick<ShareState, 'scenario' | 'compare'>): Promise<void> {
    if (!state.scenario) {
      if (this.scenarios.current) await this.scenarios.open(null);
      this.compare = false;
      return;
    }
    if (this.scenarios.current?.id !== state.scenario) await this.scenarios.open(state.scenario);
    if (this.scenarios.current?.id === state.scenario) {
      this.compare = state.compare === 'swipe';
    } else {
      this.compare = false;
      this.scenarios.error = session.user
        ? 'The linked scenario does not exist or is not shared with you.'
        : 'The linked scenario is not published; sign in to open it if it is shared with you.';
    }
  }

  async loadSetup(): Promise<void> {
    this.setupError = null;
    try {
      // The catalogue lists only the layers this user may see (issue #9).
      const catalog = await getJson<CatalogResponse>('/tiles/catalog.json');
      const listed = new Set(catalog.layers.map((l) => l.name));
      this.settings.keepOnly(listed);
      const all = LAYER_SPECS.filter((s) => s.kind !== 'labels' && listed.has(s.id)).map(
        (s) => s.id,
      );
      const [everything, home] = await Promise.all([
        getJson<TileJson>(`/tiles/${all.join(',')}.json`),
        getJson<MapHome>('/api/home'),
      ]);
      this.setup = {
        zooms: new Map(
          catalog.layers.map((l) => [l.name, { minzoom: l.minzoom, maxzoom: l.maxzoom }]),
        ),
        attributes: new Map(catalog.layers.map((l) => [l.name, l])),
        extent: everything.bounds,
        city: home.bounds ?? everything.bounds,
        home:
          home.source === 'config' && home.zoom !== null
            ? { center: home.center, zoom: home.zoom }
            : null,
        timeZone: home.time_zone,
      };
    } catch (error) {
      this.setupError =
        error instanceof ApiRequestError && error.status === 0
          ? 'The twin server cannot be reached. Check that it is running, then try again.'
          : `The map could not start: ${(error as Error).message}`;
    }
  }

  /**
   * A finished import lands without a reload (issue #12 item 6): a new layer is listed and shown,
   * a twin layer's tiles are fetched again, and the data's extent joins the map's.
   */
  async onImported(job: ImportJob): Promise<void> {
    await this.customLayers.refresh(job.layer);
    for (const id of TWIN_LAYER_TILES[job.layer] ?? []) {
      const layer = this.settings.get(id);
      layer.visible = true;
      layer.retry();
    }
    const e = job.extent;
    if (e && this.setup) {
      const [w, s, east, n] = this.setup.extent;
      this.setup = {
        ...this.setup,
        extent: [Math.min(w, e[0]), Math.min(s, e[1]), Math.max(east, e[2]), Math.max(n, e[3])],
      };
    }
  }

  startDrawing(): void {
    if (!this.twin) return;
    this.#drawTool ??= new DrawTool(this.twin.map);
    this.drawing = true;
    this.movingCorners = null;
    this.#lookBack();
    const { floors, use } = this;
    this.#drawTool.start((geometry) => {
      this.drawing = false;
      void this.scenarios.addEdit(
        { kind: 'add_building', geometry, floors, use },
        `add ${floors}-floor ${use} building`,
      );
    });
  }

  /** Draws a new footprint and hands it to `done` (redrawing an added building's corners). */
  redraw(done: (geometry: { type: 'Polygon'; coordinates: number[][][] }) => void): void {
    if (!this.twin) return;
    this.#drawTool ??= new DrawTool(this.twin.map);
    this.drawing = true;
    this.movingCorners = null;
    this.#lookBack();
    this.#drawTool.start((geometry) => {
      this.drawing = false;
      done(geometry);
    });
  }

  cancelDrawing(): void {
    this.#drawTool?.stop();
    this.drawing = false;
    this.movingCorners = null;
    this.#lookBack();
  }

  /**
   * Shows an added building's footprint or an added road with draggable corners / points
   * (issue #12 item 2): each moved, added or deleted point is saved at once as a new scenario
   * version (undoable like any edit), and the impact is computed again. Meanwhile the map looks
   * straight down in 2D, framed on the shape, so its outline is not hidden under 3D buildings;
   * `cancelDrawing` goes back to the camera and mode from before.
   */
  moveCorners(edit: ScenarioEdit): void {
    if (!this.twin || (edit.kind !== 'add_building' && edit.kind !== 'add_road')) return;
    this.#drawTool ??= new DrawTool(this.twin.map);
    this.drawing = false;
    try {
      this.#drawTool.edit(edit.geometry, (geometry) => {
        // The edit as it is now (floors or use may have changed since the corners were shown).
        const now = this.scenarios.current?.edits.find((e) => e.id === edit.id) ?? edit;
        void this.scenarios.replaceEdit(
          now,
          { ...inputOf(now), geometry } as typeof edit,
          edit.kind === 'add_road' ? 'move a point' : 'move a corner',
        );
      });
      this.movingCorners = edit.id;
      this.#lookDownOn(boundsOf(edit.geometry));
    } catch (error) {
      this.scenarios.error = (error as Error).message;
    }
  }

  /** The camera and mode from before points were moved, to go back to after. */
  #beforeMoving: { mode: '2d' | '3d'; camera: Camera } | null = null;

  /** Top-down 2D view framed on `bounds` (on a phone, above the bottom sheet). */
  #lookDownOn(bounds: Bounds | null): void {
    const map = this.twin?.map;
    if (!map) return;
    if (!this.#beforeMoving) {
      const c = map.getCenter();
      this.#beforeMoving = {
        mode: this.mode,
        camera: {
          center: [c.lng, c.lat],
          zoom: map.getZoom(),
          bearing: map.getBearing(),
          pitch: map.getPitch(),
        },
      };
    }
    this.mode = '2d';
    map.setMaxPitch(0);
    if (!bounds) return;
    const { clientWidth: w, clientHeight: h } = map.getContainer();
    const padding =
      w < 720
        ? { left: 40, right: 40, top: 60, bottom: Math.round(h / 2) + 40 }
        : { left: 300, right: 640, top: 80, bottom: 80 };
    map.fitBounds(bounds, {
      padding,
      pitch: 0,
      bearing: map.getBearing(),
      maxZoom: 18,
      duration: 600,
    });
  }

  /** Back to the camera and mode from before points were moved. */
  #lookBack(): void {
    const before = this.#beforeMoving;
    const map = this.twin?.map;
    this.#beforeMoving = null;
    if (!before || !map) return;
    this.mode = before.mode;
    if (before.mode === '3d') map.setMaxPitch(MAX_PITCH);
    map.easeTo({ ...before.camera, duration: 600 });
  }

  toggleImpact(id: ImpactLayerId): void {
    const next = new Set(this.impactVisible);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    this.impactVisible = next;
  }

  setMode(next: '2d' | '3d'): void {
    this.mode = next;
    this.twin?.setMode(next);
  }

  /** Frames WGS84 bounds, leaving room for the panels on a wide screen. */
  fitBounds(bounds: Bounds, maxZoom = 17.5): void {
    const map = this.twin?.map;
    if (!map) return;
    const narrow = map.getContainer().clientWidth < 720;
    const padding = narrow
      ? { left: 30, right: 30, top: 60, bottom: 60 }
      : { left: 300, right: 640, top: 60, bottom: 60 };
    const [w, s, e, n] = bounds;
    // A point (or a tiny feature) gets a small box around it.
    const d = 0.0004;
    map.fitBounds(w === e && s === n ? [w - d, s - d, e + d, n + d] : bounds, {
      padding,
      maxZoom,
      duration: 800,
    });
  }

  /** A tile failed: note it on the layer, and find out whether the whole server is gone. */
  onTileError(layer: string, error: unknown): void {
    // A request the map cancelled itself (the view moved on) is not a failure.
    if (error instanceof Error && error.name === 'AbortError') return;
    console.warn(`tile error in ${layer}:`, error);
    this.settings.get(layer).fail(describeTileError(error));
    void this.server.check().then((ok) => {
      if (!ok && !this.#healthTimer)
        this.#healthTimer = setInterval(() => void this.recover(false), 5000);
    });
  }

  /** Checks the server; when it answers again, reloads everything that failed. */
  async recover(userAsked: boolean): Promise<void> {
    const ok = await this.server.check();
    if (!ok && !userAsked) return;
    if (ok && this.#healthTimer) {
      clearInterval(this.#healthTimer);
      this.#healthTimer = null;
    }
    if (!ok) return;
    for (const l of this.settings.failed) l.retry();
    if (this.basemapError) this.retryBasemap();
    if (this.labels.error) this.labels.retry();
    if (this.inspector.error) void this.inspector.retry();
  }

  retryBasemap(): void {
    this.basemapError = null;
    this.twin?.retryBasemap();
  }

  onBasemapError(message: string): void {
    this.basemapError ??= message;
    void this.server.check();
  }
}

const KEY = Symbol('workspace');

/** Puts the workspace in the context of the calling component's children. */
export function provideWorkspace(workspace: Workspace): Workspace {
  return setContext(KEY, workspace);
}

/** The workspace of the enclosing App (throws outside one: a component used where it cannot work). */
export function useWorkspace(): Workspace {
  const w = getContext<Workspace | undefined>(KEY);
  if (!w) throw new Error('useWorkspace() outside the map workspace');
  return w;
}
