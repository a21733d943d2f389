import type { Backend } from '../db/backend';
import type { Logger } from '../log';
import { ChannelFanOut } from './channel-fan-out';
import type { LiveUpdate } from '../../common/sensor-types';
import { READINGS_CHANNEL } from './ingest-writer';
import type { SensorMeta, SensorRegistry } from './sensor-registry';
import { sensorStatus } from './sensor-status';
import { isPublicSensorKind } from '../auth/sensor-access';

export interface LiveFilter {
  kinds?: Set<string>;
  /** [west, south, east, north], WGS84 degrees. */
  bbox?: [number, number, number, number];
  /** Traffic sensors only: a subscriber below planner (issue #9). */
  publicOnly?: boolean;
}

/** Sees every committed reading of a known sensor, before any filtering (the anomaly monitor). */
export type ReadingObserver = (meta: SensorMeta, ts: number, value: number) => void;

export interface LiveSubscriber {
  filter: LiveFilter;
  /** `json` is the updates already serialised (shared by every subscriber of the same set). */
  send(updates: LiveUpdate[], json: string): void;
}

/**
 * Fan-out of committed readings to live clients. Every instance LISTENs on one channel; the
 * ingest transaction NOTIFYs it (with NATS_URL: the writer publishes to `twin.live.readings`
 * after COMMIT and every instance subscribes; live-bus.ts), so a reading committed through any instance reaches the clients
 * of all of them (and only once committed). Starts listening with the first subscriber.
 */
export class LiveHub extends ChannelFanOut<LiveSubscriber> {
  readonly #registry: SensorRegistry;
  /** Updates waiting for unknown sensors to be looked up, kept in order. */
  #chain: Promise<void> = Promise.resolve();
  #queued = 0;
  readonly #observers = new Set<ReadingObserver>();

  constructor(backend: Backend, registry: SensorRegistry, log: Logger) {
    super(backend, READINGS_CHANNEL, log);
    this.#registry = registry;
  }

  /**
   * Adds an observer of every reading (resolves once listening). Cheaper than a subscriber with
   * no filter: no update objects and no JSON are made for it.
   */
  async observe(observer: ReadingObserver): Promise<() => void> {
    this.#observers.add(observer);
    await this.start();
    return () => this.#observers.delete(observer);
  }

  protected receive(payload: string): void {
    let items: [number, number, number][];
    try {
      items = JSON.parse(payload) as [number, number, number][];
      if (!Array.isArray(items)) return;
    } catch {
      this.log.warn('live: ignored a notification that is not JSON');
      return;
    }
    if (this.members.size === 0 && this.#observers.size === 0) return;
    const ids = items.map(([id]) => String(id));
    const unknown = ids.filter((id) => !this.#registry.byId(id));
    if (unknown.length === 0 && this.#queued === 0) {
      this.#fanOut(items);
      return;
    }
    this.#queued++;
    this.#chain = this.#chain
      .then(() => (unknown.length > 0 ? this.#registry.ensureIds(unknown) : undefined))
      .catch((error: unknown) => this.log.warn({ err: error }, 'live: sensor lookup failed'))
      .then(() => this.#fanOut(items))
      .finally(() => {
        this.#queued--;
      });
  }

  #fanOut(items: [number, number, number][]): void {
    const known: { meta: SensorMeta; ts: number; value: number }[] = [];
    for (const [id, ts, value] of items) {
      const meta = this.#registry.byId(String(id));
      if (meta) known.push({ meta, ts, value });
    }
    for (const observer of this.#observers) {
      try {
        for (const { meta, ts, value } of known) observer(meta, ts, value);
      } catch (error) {
        this.log.warn({ err: error }, 'live: an observer failed; dropped');
        this.#observers.delete(observer);
      }
    }
    if (this.members.size === 0) return;
    const updates = known.map(({ meta, ts, value }) => {
      const { ratio, status } = sensorStatus(meta.kind, value, meta.reference);
      const update: LiveUpdate = {
        sensor: meta.id,
        kind: meta.kind,
        asset_type: meta.assetType,
        asset_id: meta.assetId,
        ts: new Date(ts).toISOString(),
        value,
        ratio,
        status,
      };
      return { meta, update };
    });
    if (updates.length === 0) return;
    // Subscribers with the same filter (1,000 maps on one city ask for the same kinds; the
    // public all ask for public kinds only) share one filtered list and one JSON string per
    // notification.
    const shared = new Map<string, { list: LiveUpdate[]; json: string } | null>();
    for (const sub of this.members) {
      const { kinds, bbox, publicOnly = false } = sub.filter;
      this.deliver(sub, () => {
        const key = filterKey(sub.filter);
        let out = shared.get(key);
        if (out === undefined) {
          const list = updates
            .filter(
              ({ meta }) =>
                (!publicOnly || isPublicSensorKind(meta.kind)) &&
                (!kinds || kinds.has(meta.kind)) &&
                (!bbox || inBox(meta, bbox)),
            )
            .map((u) => u.update);
          out = list.length > 0 ? { list, json: JSON.stringify(list) } : null;
          shared.set(key, out);
        }
        if (out) sub.send(out.list, out.json);
      });
    }
  }
}

/** Subscribers whose filters have the same key see the same updates. */
function filterKey({ kinds, bbox, publicOnly = false }: LiveFilter): string {
  return `${publicOnly ? 'public' : 'all'}|${kinds ? [...kinds].sort().join(',') : '*'}|${bbox ? bbox.join(',') : '*'}`;
}

function inBox(m: SensorMeta, [w, s, e, n]: [number, number, number, number]): boolean {
  return m.lon >= w && m.lon <= e && m.lat >= s && m.lat <= n;
}
