import type { Backend } from '../db/backend';
import type { Config } from '../config';
import type { Logger } from '../log';
import type { IngestResponse } from '../../common/sensor-types';
import { KeyStore } from './api-keys';
import { IngestWriter, type ResolvedReading } from './ingest-writer';
import { LiveHub } from './live-hub';
import { FrameFeed } from './frame-feed';
import type { ParsedReading, Rejection } from './reading-parser';
import { SensorRegistry } from './sensor-registry';

/** Parsed readings as the ingest routes hand them on. */
export interface ParsedBatch {
  readings: ParsedReading[];
  rejected: Rejection[];
}

/** What runs in the background: the MQTT subscriber, the in-process broker, the simulator. */
export interface SensorRuntime {
  stop(): Promise<void>;
}

/**
 * The live-sensor domain of one server instance: the registry cache, the group-commit writer,
 * the live fan-out and the key store. HTTP routes, the MQTT subscriber and the simulator all
 * ingest through `ingest`.
 */
export class SensorService {
  readonly backend: Backend;
  readonly config: Config;
  readonly log: Logger;
  readonly registry: SensorRegistry;
  readonly writer: IngestWriter;
  readonly hub: LiveHub;
  /** New camera frames for live clients (issue #17). */
  readonly frames: FrameFeed;
  readonly keys: KeyStore;
  /**
   * Readings through NATS JetStream when `NATS_URL` is set and the runtime started it (issue #16;
   * nats-ingest.ts): answers once the readings are committed, like `ingest`.
   */
  nats: { publish(parsed: ParsedBatch): Promise<IngestResponse> } | undefined;
  readonly #runtimes: SensorRuntime[] = [];

  constructor(backend: Backend, config: Config, log: Logger) {
    this.backend = backend;
    this.config = config;
    this.log = log;
    this.registry = new SensorRegistry(backend.db);
    this.writer = new IngestWriter({
      db: backend.db,
      maxInFlight: config.sensors.maxInFlight,
      // PGlite runs one statement at a time: a second transaction would only wait.
      concurrency: backend.caps.crossProcessNotify ? 2 : 1,
    });
    this.hub = new LiveHub(backend, this.registry, log);
    this.frames = new FrameFeed(backend, log);
    this.keys = new KeyStore(backend.db, config.sensors.ingestKeys);
  }

  /**
   * Resolves sensors and writes the readings; resolves after COMMIT with the counts. Readings
   * for unknown sensors are rejected, the rest written. Throws `IngestBusyError` (push back) or
   * the database's error (nothing was written).
   */
  async ingest(parsed: ParsedBatch): Promise<IngestResponse> {
    const sensors = await this.registry.resolve(parsed.readings.map((r) => r.sensor));
    const rows: ResolvedReading[] = [];
    const indexOf: number[] = [];
    const errors = [...parsed.rejected];
    const unknown = (r: ParsedReading) =>
      errors.push({
        index: r.index,
        reason: 'unknown_sensor',
        message: `no sensor ${JSON.stringify(r.sensor)}`,
      });
    for (const r of parsed.readings) {
      const meta = sensors.get(r.sensor);
      if (meta) {
        rows.push({ sensorId: meta.id, ts: r.ts, value: r.value });
        indexOf.push(r.index);
      } else unknown(r);
    }
    const { accepted, duplicate, refused } = await this.writer.submit(rows);
    for (const r of refused) {
      errors.push({ index: indexOf[r.position]!, reason: r.reason, message: r.message });
      // Deleted (with their dataset) behind the cache's back: look it up again next time
      // instead of writing it.
      if (r.reason === 'unknown_sensor') this.registry.forget([rows[r.position]!.sensorId]);
    }
    errors.sort((a, b) => a.index - b.index);
    return { accepted, duplicate, rejected: errors.length, errors };
  }

  /** Registers a background runtime to be stopped with the service. */
  adopt(runtime: SensorRuntime): void {
    this.#runtimes.push(runtime);
  }

  async stop(): Promise<void> {
    const runtimes = this.#runtimes.splice(0).reverse();
    for (const r of runtimes) await r.stop().catch(() => undefined);
    await this.hub.stop();
    await this.frames.stop();
  }
}
