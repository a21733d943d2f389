import type {
  ImportJob,
  ImportJobResponse,
  ImportPreview,
  ImportReport,
} from '../../../common/api-types';
import { api } from './api';

/** The fields each twin layer takes from `--map` (see the import docs); custom layers take any. */
export const TARGET_FIELDS: Record<string, string[]> = {
  buildings: ['height_m', 'levels', 'min_height_m', 'use', 'name', 'year_built', 'source_id'],
  roads: ['class', 'name', 'lanes', 'speed_limit_kmh', 'oneway', 'capacity_veh_h', 'source_id'],
  water: ['kind', 'name', 'elevation_m', 'capacity_m3', 'diameter_mm', 'material', 'capacity_l_s'],
  power: ['kind', 'name', 'voltage_kv', 'capacity_kva'],
  sensors: ['external_id', 'kind', 'unit', 'name', 'reference_value', 'interval_s'],
};
export const TWIN_LAYERS = Object.keys(TARGET_FIELDS);
/** How much of a big text file the preview uploads. */
const PREVIEW_BYTES = 8 * 1024 * 1024;

function postForm<T>(path: string, form: FormData): Promise<T> {
  return api.json<T>('POST', path, { form });
}

/**
 * The import page's state: choose a file (previewed by the server), pick the target layer and
 * map fields, then run the import and follow it over server-sent events to its report.
 */
export class ImportWizard {
  step = $state<'choose' | 'configure' | 'running' | 'done'>('choose');
  file = $state.raw<File | null>(null);
  preview = $state.raw<ImportPreview | null>(null);
  layer = $state('buildings');
  customName = $state('');
  mode = $state<'replace' | 'append' | 'upsert'>('replace');
  name = $state('');
  source = $state('');
  licence = $state('');
  srs = $state('');
  /** Target field → expression. */
  mapping = $state<Record<string, string>>({});
  extraField = $state('');
  job = $state.raw<ImportJob | null>(null);
  report = $state.raw<ImportReport | null>(null);
  reportUrl = $state<string | null>(null);
  error = $state<string | null>(null);
  busy = $state(false);
  /** Called when an import ends successfully (the app refreshes its layers). */
  onSucceeded: ((job: ImportJob) => void) | null = null;
  #events: EventSource | null = null;

  /** The layer name sent to the server. */
  get target(): string {
    return this.layer === 'custom' ? this.customName.trim() : this.layer;
  }

  /** Fields offered for mapping: the layer's, or for a custom layer the mapped ones so far. */
  get fields(): string[] {
    return TARGET_FIELDS[this.layer] ?? Object.keys(this.mapping);
  }

  /** Sample values an expression would read, when it names a source field directly. */
  samples(expression: string): string {
    const field = expression.trim().replace(/^"(.*)"$/, '$1');
    const found = this.preview?.fields.find((f) => f.name === field);
    return found ? found.samples.map(String).join(', ') : '';
  }

  get progressShare(): number {
    const p = this.job?.progress;
    if (!p || p.totalBytes === 0) return 0;
    return p.phase === 'done' ? 1 : Math.min(1, p.bytes / p.totalBytes);
  }

  async choose(file: File): Promise<void> {
    this.reset();
    this.file = file;
    this.name = file.name;
    await this.refreshPreview();
  }

  async refreshPreview(): Promise<void> {
    if (!this.file) return;
    this.busy = true;
    this.error = null;
    try {
      const form = new FormData();
      if (this.srs.trim()) form.append('srs', this.srs.trim());
      // Text formats stream: their first megabytes hold the first features, so a big file is
      // previewed without uploading it twice.
      const streamed = /\.(geo)?jsonl?$|\.(nd)?json$|\.geojsons?$|\.csv$/i.test(this.file.name);
      const part =
        streamed && this.file.size > PREVIEW_BYTES ? this.file.slice(0, PREVIEW_BYTES) : this.file;
      form.append('file', part, this.file.name);
      this.preview = await postForm<ImportPreview>('/api/datasets/preview', form);
      this.step = 'configure';
    } catch (error) {
      this.error = (error as Error).message;
      this.step = this.preview ? 'configure' : 'choose';
    } finally {
      this.busy = false;
    }
  }

  addField(): void {
    const f = this.extraField.trim().toLowerCase();
    if (/^[a-z_][a-z0-9_]{0,62}$/.test(f) && !(f in this.mapping))
      this.mapping = { ...this.mapping, [f]: f };
    this.extraField = '';
  }

  async start(): Promise<void> {
    if (!this.file) return;
    this.busy = true;
    this.error = null;
    try {
      const form = new FormData();
      form.append('layer', this.target);
      form.append('mode', this.mode);
      if (this.name.trim()) form.append('name', this.name.trim());
      if (this.source.trim()) form.append('source', this.source.trim());
      if (this.licence.trim()) form.append('licence', this.licence.trim());
      if (this.srs.trim()) form.append('srs', this.srs.trim());
      for (const [field, expr] of Object.entries(this.mapping))
        if (expr.trim()) form.append('map', `${field}=${expr.trim()}`);
      form.append('file', this.file, this.file.name);
      const created = await postForm<ImportJobResponse>('/api/datasets', form);
      this.job = created.job;
      this.reportUrl = created.links.report;
      this.step = 'running';
      this.#follow(created.links.events);
    } catch (error) {
      this.error = (error as Error).message;
    } finally {
      this.busy = false;
    }
  }

  #follow(url: string): void {
    this.#events?.close();
    const events = new EventSource(url);
    this.#events = events;
    events.addEventListener(
      'progress',
      (e) => (this.job = JSON.parse((e as MessageEvent).data) as ImportJob),
    );
    events.addEventListener('end', (e) => {
      this.job = JSON.parse((e as MessageEvent).data) as ImportJob;
      events.close();
      this.step = 'done';
      if (this.job.status === 'succeeded') this.onSucceeded?.(this.job);
      void this.#loadReport();
    });
    events.onerror = () => {
      if (this.step === 'running')
        this.error = 'Lost the progress stream; the import continues on the server.';
    };
  }

  async #loadReport(): Promise<void> {
    if (!this.reportUrl) return;
    try {
      this.report = await api.get<ImportReport>(this.reportUrl);
    } catch {
      // The summary is already shown; the report stays downloadable from its link.
    }
  }

  reset(): void {
    this.#events?.close();
    this.#events = null;
    this.step = 'choose';
    this.file = null;
    this.preview = null;
    this.job = null;
    this.report = null;
    this.reportUrl = null;
    this.error = null;
    this.mapping = {};
  }
}
