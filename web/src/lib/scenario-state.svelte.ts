import type {
  EditResponse,
  Scenario,
  ScenarioEdit,
  ScenarioEditInput,
  ImpactPending,
  ScenarioImpact,
  ScenarioShare,
  ScenarioWithEdits,
} from '../../../common/scenario-types';
import { api, getJson } from './api';

/** One undoable step: what to send to do it again, and what to send to undo it. */
interface Step {
  label: string;
  redo: () => Promise<void>;
  undo: () => Promise<void>;
}

/** Unsafe requests go through the one API client (CSRF token, errors). */
function send<T>(method: string, path: string, body?: unknown): Promise<T> {
  return api.json<T>(method, path, { body });
}

/** The edit as the API takes it back (without id, seq and timestamps). */
export function inputOf(edit: ScenarioEdit): ScenarioEditInput {
  const { id: _id, seq: _seq, created_at: _c, updated_at: _u, ...input } = edit;
  return input as ScenarioEditInput;
}

/**
 * Scenarios for the panel: the list, the open scenario with its edits, its impact, and undo/redo
 * of edits (each step replays against the API, so the server stays the one truth).
 */
export class ScenarioState {
  list = $state.raw<Scenario[]>([]);
  current = $state.raw<ScenarioWithEdits | null>(null);
  impact = $state.raw<ScenarioImpact | null>(null);
  impactLoading = $state(false);
  /** While the impact is computed in the server's queue: queued (with its place) or running (with its phase). */
  impactStatus = $state.raw<ImpactPending | null>(null);
  /** The open scenario's edits as GeoJSON with what each targets (the changes layer, names, zoom-to). */
  changes = $state.raw<GeoJSON.FeatureCollection | null>(null);
  busy = $state(false);
  error = $state<string | null>(null);
  #undo = $state.raw<Step[]>([]);
  #redo = $state.raw<Step[]>([]);
  #impactRequest = 0;

  get canUndo(): boolean {
    return this.#undo.length > 0 && !this.busy;
  }
  get canRedo(): boolean {
    return this.#redo.length > 0 && !this.busy;
  }
  /** Tile URL suffix for the open scenario; its version makes caches refetch after each edit. */
  get tileQuery(): string {
    return this.current ? `?scenario=${this.current.id}&v=${this.current.version}` : '';
  }

  async #run(fn: () => Promise<void>): Promise<void> {
    this.busy = true;
    this.error = null;
    try {
      await fn();
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error);
    } finally {
      this.busy = false;
    }
  }

  load(): Promise<void> {
    return this.#run(async () => {
      this.list = (await getJson<{ scenarios: Scenario[] }>('/api/scenarios')).scenarios;
    });
  }

  open(id: string | null): Promise<void> {
    this.#undo = [];
    this.#redo = [];
    this.impact = null;
    this.changes = null;
    if (!id) {
      this.current = null;
      return Promise.resolve();
    }
    return this.#run(async () => {
      await this.#reload(id);
    });
  }

  async #reload(id: string): Promise<void> {
    this.current = await getJson<ScenarioWithEdits>(`/api/scenarios/${id}`);
    void this.refreshImpact();
    void this.#loadChanges(this.current);
  }

  async #loadChanges(s: ScenarioWithEdits): Promise<void> {
    try {
      const fc = await getJson<GeoJSON.FeatureCollection>(
        `/api/scenarios/${s.id}/export?format=geojson&v=${s.version}`,
      );
      if (this.current?.id === s.id && this.current.version === s.version) this.changes = fc;
    } catch {
      // The list still names each edit by its kind; the map just lacks the drawing.
    }
  }

  /** The changes-layer feature of an edit (its geometry and baseline target). */
  changeOf(editId: string): GeoJSON.Feature | null {
    return this.changes?.features.find((f) => f.properties?.edit_id === editId) ?? null;
  }

  create(name: string): Promise<void> {
    return this.#run(async () => {
      const s = await send<ScenarioWithEdits>('POST', '/api/scenarios', { name });
      await this.load();
      await this.open(s.id);
    });
  }

  rename(name: string): Promise<void> {
    const s = this.current;
    if (!s) return Promise.resolve();
    return this.#run(async () => {
      await send('PATCH', `/api/scenarios/${s.id}`, { name });
      this.current = { ...s, name };
      await this.load();
    });
  }

  /** Publishes the open scenario for the public to read, or withdraws it to a draft. */
  setStatus(status: 'draft' | 'published'): Promise<void> {
    const s = this.current;
    if (!s) return Promise.resolve();
    return this.#run(async () => {
      await send('PATCH', `/api/scenarios/${s.id}`, { status });
      await this.#reload(s.id);
      await this.load();
    });
  }

  publish(): Promise<void> {
    return this.setStatus('published');
  }

  /** Who the open scenario is shared with (owner, edit share or admin only). */
  async shares(): Promise<ScenarioShare[]> {
    const s = this.current;
    if (!s) return [];
    return (await getJson<{ shares: ScenarioShare[] }>(`/api/scenarios/${s.id}/shares`)).shares;
  }

  /** Replaces the open scenario's shares; throws with the server's reason. */
  async setShares(shares: ScenarioShare[]): Promise<ScenarioShare[]> {
    const s = this.current;
    if (!s) return [];
    const body = await send<{ shares: ScenarioShare[] }>('PUT', `/api/scenarios/${s.id}/shares`, {
      shares: shares.map(({ user, access }) => ({ user, access })),
    });
    return body.shares;
  }

  duplicate(): Promise<void> {
    const s = this.current;
    if (!s) return Promise.resolve();
    return this.#run(async () => {
      const copy = await send<ScenarioWithEdits>('POST', `/api/scenarios/${s.id}/duplicate`, {
        name: `${s.name} (branch)`,
      });
      await this.load();
      await this.open(copy.id);
    });
  }

  remove(): Promise<void> {
    const s = this.current;
    if (!s) return Promise.resolve();
    return this.#run(async () => {
      await send('DELETE', `/api/scenarios/${s.id}`);
      await this.open(null);
      await this.load();
    });
  }

  /** Adds an edit (undo removes it again). */
  addEdit(input: ScenarioEditInput, label = input.kind.replace('_', ' ')): Promise<void> {
    const s = this.current;
    if (!s) return Promise.resolve();
    let editId: string | null = null;
    const step: Step = {
      label,
      redo: async () => {
        editId = (await send<EditResponse>('POST', `/api/scenarios/${s.id}/edits`, input)).edit.id;
      },
      undo: async () => {
        if (editId) await send('DELETE', `/api/scenarios/${s.id}/edits/${editId}`);
      },
    };
    return this.#do(step);
  }

  /** Replaces an edit with a changed one (floors, use, footprint…); undo puts the old one back. */
  replaceEdit(
    edit: ScenarioEdit,
    input: ScenarioEditInput,
    label = `change ${edit.kind.replace('_', ' ')}`,
  ): Promise<void> {
    const s = this.current;
    if (!s) return Promise.resolve();
    const before = inputOf(edit);
    const step: Step = {
      label,
      redo: async () => {
        await send<EditResponse>('PUT', `/api/scenarios/${s.id}/edits/${edit.id}`, input);
      },
      undo: async () => {
        await send<EditResponse>('PUT', `/api/scenarios/${s.id}/edits/${edit.id}`, before);
      },
    };
    return this.#do(step);
  }

  /** Removes an edit (undo adds it back, at the end). */
  removeEdit(edit: ScenarioEdit): Promise<void> {
    const s = this.current;
    if (!s) return Promise.resolve();
    let editId: string | null = edit.id;
    const step: Step = {
      label: `remove ${edit.kind.replace('_', ' ')}`,
      redo: async () => {
        if (editId) await send('DELETE', `/api/scenarios/${s.id}/edits/${editId}`);
      },
      undo: async () => {
        editId = (await send<EditResponse>('POST', `/api/scenarios/${s.id}/edits`, inputOf(edit)))
          .edit.id;
      },
    };
    return this.#do(step);
  }

  #do(step: Step): Promise<void> {
    return this.#run(async () => {
      await step.redo();
      this.#undo = [...this.#undo, step];
      this.#redo = [];
      await this.#reload(this.current!.id);
    });
  }

  undo(): Promise<void> {
    const step = this.#undo.at(-1);
    if (!step || !this.current) return Promise.resolve();
    return this.#run(async () => {
      await step.undo();
      this.#undo = this.#undo.slice(0, -1);
      this.#redo = [...this.#redo, step];
      await this.#reload(this.current!.id);
    });
  }

  redo(): Promise<void> {
    const step = this.#redo.at(-1);
    if (!step || !this.current) return Promise.resolve();
    return this.#run(async () => {
      await step.redo();
      this.#redo = this.#redo.slice(0, -1);
      this.#undo = [...this.#undo, step];
      await this.#reload(this.current!.id);
    });
  }

  /**
   * Fetches the impact of the open scenario's current version (a newer request wins). The server
   * answers 202 with the job's status while its worker computes it: the status is shown and the
   * request is repeated (each one waits up to 10 s on the server) until the result is ready.
   */
  async refreshImpact(): Promise<void> {
    const s = this.current;
    if (!s) return;
    const request = ++this.#impactRequest;
    this.impactLoading = true;
    try {
      for (let attempt = 0; request === this.#impactRequest; attempt++) {
        // 202: queued or running; 503 with a status: the job failed or the queue is full.
        const res = await api.request(
          'GET',
          `/api/scenarios/${s.id}/impact?wait=${attempt === 0 ? 2 : 10}`,
          { accept: [202, 503], retries: 1 },
        );
        const body = (await res.json().catch(() => null)) as
          (ScenarioImpact | ImpactPending | { error?: { message?: string } }) | null;
        if (request !== this.#impactRequest) return;
        if (res.status === 200) {
          this.impact = body as ScenarioImpact;
          this.impactStatus = null;
          return;
        }
        if (res.status === 202) {
          this.impactStatus = body as ImpactPending;
          continue;
        }
        const pending = body && 'status' in body ? (body as ImpactPending) : null;
        this.impactStatus = pending;
        if (pending) {
          this.error = pending.error?.message ?? 'The impact could not be computed.';
          return;
        }
        // The queue is full: try again after the server's Retry-After.
        await new Promise((r) => setTimeout(r, 1000 * Number(res.headers.get('Retry-After') ?? 5)));
      }
    } catch (error) {
      if (request === this.#impactRequest)
        this.error = error instanceof Error ? error.message : String(error);
    } finally {
      if (request === this.#impactRequest) this.impactLoading = false;
    }
  }
}
