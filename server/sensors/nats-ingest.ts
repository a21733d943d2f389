import { type ConsumerMessages, type JetStreamClient, type JsMsg, type NatsConnection } from 'nats';
import { connectNats, ensureWorkQueue } from '../jetstream';
import type { Logger } from '../log';
import { IngestBusyError } from './ingest-writer';
import { checkReading, type ParsedReading, type Rejection } from './reading-parser';
import type { SensorService } from './sensor-service';
import type { IngestResponse } from '../../common/sensor-types';

/** The JetStream stream of readings (issue #16): subjects `twin.sensors.<externalId>`. */
export const NATS_STREAM = 'TWIN_SENSORS';
export const NATS_SUBJECT_PREFIX = 'twin.sensors.';
/** The one durable consumer every instance pulls from: each message goes to one instance. */
export const NATS_CONSUMER = 'twin-ingest';
/** How long JetStream remembers a `Nats-Msg-Id` to drop a republished reading. */
const DUPLICATE_WINDOW_S = 120;
/** Messages written in one group commit, at most. */
const BATCH = 500;

/** `Nats-Msg-Id` of a reading: the same sensor and time is the same reading. */
export const readingMsgId = (externalId: string, ts: number) => `${externalId}@${ts}`;

/** An external id that is one subject token (no dots, wildcards or spaces). */
export const isSubjectToken = (s: string) => /^[^.*>\s]{1,200}$/.test(s);

/**
 * Sensor ingest through NATS JetStream (`NATS_URL`). Devices publish `{"ts","value"}` to
 * `twin.sensors.<externalId>` directly, or over MQTT to NATS's own MQTT listener (topic
 * `twin/sensors/<externalId>` is that subject), or over HTTP to any instance, which publishes
 * them here before answering. Every instance pulls from one durable consumer; a message is
 * acknowledged only after its reading is committed (a crash before that redelivers it to
 * another instance, and the readings table's unique key drops the second copy), so every
 * acknowledged reading is stored exactly once.
 */
export class NatsIngest {
  readonly stats = { received: 0, acked: 0, rejected: 0, retries: 0, published: 0, duplicate: 0 };
  readonly #service: SensorService;
  readonly #log: Logger;
  readonly #nc: NatsConnection;
  readonly #js: JetStreamClient;
  #messages: ConsumerMessages | undefined;
  #batch: JsMsg[] = [];
  #flushScheduled = false;
  #writing: Promise<void> = Promise.resolve();
  #stopped = false;

  private constructor(service: SensorService, nc: NatsConnection) {
    this.#service = service;
    this.#log = service.log;
    this.#nc = nc;
    this.#js = nc.jetstream();
  }

  /** Connects, makes sure the stream and the consumer exist, and starts consuming. */
  static async start(
    service: SensorService,
    url: string,
    options: { consume?: boolean } = {},
  ): Promise<NatsIngest> {
    const nc = await connectNats(url, `twin-${process.pid}`);
    const ingest = new NatsIngest(service, nc);
    await ingest.#ensureStream();
    if (options.consume ?? true) void ingest.#consumeLoop();
    return ingest;
  }

  async #ensureStream(): Promise<void> {
    await ensureWorkQueue(await this.#nc.jetstreamManager(), {
      stream: NATS_STREAM,
      subjectPrefix: NATS_SUBJECT_PREFIX,
      duplicateWindowMs: DUPLICATE_WINDOW_S * 1000,
      maxAgeMs: 7 * 24 * 3600 * 1000,
      consumer: NATS_CONSUMER,
      ackWaitMs: 30_000,
      maxAckPending: 20_000,
    });
  }

  /**
   * HTTP ingest: publishes each known sensor's reading with its `Nats-Msg-Id` and resolves once
   * JetStream has stored all of them (its PubAck), with what it stored and what it dropped as
   * a duplicate. Readings of sensors whose external id is not a subject token go straight to the
   * database, as without NATS.
   */
  async publish(parsed: {
    readings: ParsedReading[];
    rejected: Rejection[];
  }): Promise<IngestResponse> {
    const sensors = await this.#service.registry.resolve(parsed.readings.map((r) => r.sensor));
    const errors = [...parsed.rejected];
    const direct: ParsedReading[] = [];
    const sends: Promise<{ duplicate: boolean }>[] = [];
    for (const r of parsed.readings) {
      const meta = sensors.get(r.sensor);
      if (!meta) {
        errors.push({
          index: r.index,
          reason: 'unknown_sensor',
          message: `no sensor ${JSON.stringify(r.sensor)}`,
        });
      } else if (!isSubjectToken(meta.externalId)) {
        direct.push(r);
      } else {
        sends.push(
          this.#js.publish(
            `${NATS_SUBJECT_PREFIX}${meta.externalId}`,
            JSON.stringify({ ts: r.ts, value: r.value }),
            {
              msgID: readingMsgId(meta.externalId, r.ts),
              expect: { streamName: NATS_STREAM },
              timeout: 5000,
            },
          ),
        );
      }
    }
    const acks = await Promise.all(sends).catch((error: unknown) => {
      // Some may be stored: a retry is safe, JetStream drops those by their Nats-Msg-Id.
      throw new IngestBusyError(
        'NATS JetStream did not confirm the readings; retry shortly (resent readings are dropped as duplicates)',
        { cause: error },
      );
    });
    const duplicate = acks.filter((a) => a.duplicate).length;
    this.stats.published += acks.length - duplicate;
    this.stats.duplicate += duplicate;
    let accepted = acks.length - duplicate;
    let dup = duplicate;
    if (direct.length > 0) {
      const res = await this.#service.ingest({ readings: direct, rejected: [] });
      accepted += res.accepted;
      dup += res.duplicate;
      errors.push(...res.errors);
    }
    errors.sort((a, b) => a.index - b.index);
    return { accepted, duplicate: dup, rejected: errors.length, errors };
  }

  async #consumeLoop(): Promise<void> {
    while (!this.#stopped) {
      try {
        const consumer = await this.#js.consumers.get(NATS_STREAM, NATS_CONSUMER);
        this.#messages = await consumer.consume({ max_messages: 2 * BATCH });
        for await (const m of this.#messages) {
          this.stats.received++;
          this.#batch.push(m);
          if (this.#batch.length >= BATCH) this.#flush();
          else if (!this.#flushScheduled) {
            // After the messages already buffered have been taken (a group commit per burst).
            this.#flushScheduled = true;
            setImmediate(() => this.#flush());
          }
        }
      } catch (error) {
        if (this.#stopped) return;
        this.#log.warn({ err: error }, 'nats: consumer interrupted; resuming');
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  #flush(): void {
    this.#flushScheduled = false;
    const batch = this.#batch;
    this.#batch = [];
    if (batch.length === 0) return;
    this.#writing = this.#writing.then(() => this.#write(batch));
  }

  async #write(batch: JsMsg[]): Promise<void> {
    const readings: ParsedReading[] = [];
    const rejected: Rejection[] = [];
    const latest = Date.now() + this.#service.config.sensors.maxFutureS * 1000;
    batch.forEach((m, index) => {
      const externalId = m.subject.slice(NATS_SUBJECT_PREFIX.length);
      let body: unknown;
      try {
        body = JSON.parse(new TextDecoder().decode(m.data));
      } catch {
        rejected.push({ index, reason: 'malformed', message: 'payload is not JSON {ts, value}' });
        return;
      }
      const r = checkReading(
        typeof body === 'object' && body !== null ? { ...body, sensor: externalId } : body,
        latest,
      );
      if ('reason' in r) rejected.push({ index, ...r });
      else readings.push({ index, ...r });
    });
    let result: IngestResponse;
    try {
      result = await this.#service.ingest({ readings, rejected });
    } catch (error) {
      // Nothing committed: every message comes back (to this or another instance) after a pause.
      this.stats.retries += batch.length;
      this.#log.warn({ err: error }, 'nats: batch not stored; redelivering');
      for (const m of batch) m.nak(1000);
      return;
    }
    const bad = new Set(result.errors.map((e) => e.index));
    for (const e of result.errors)
      this.#log.warn(
        { subject: batch[e.index]!.subject, reason: e.reason },
        `nats: reading rejected: ${e.message}`,
      );
    batch.forEach((m, i) => {
      if (bad.has(i)) {
        // Never deliverable: drop it instead of redelivering forever.
        m.term();
        this.stats.rejected++;
      } else {
        m.ack();
        this.stats.acked++;
      }
    });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#messages?.stop();
    await this.#writing.catch(() => undefined);
    await this.#nc.drain().catch(() => undefined);
  }
}
