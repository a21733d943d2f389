import {
  createInbox,
  headers,
  type ConsumerMessages,
  type JetStreamClient,
  type JsMsg,
  type Msg,
  type NatsConnection,
  type Subscription,
} from 'nats';
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
/**
 * Messages one pull (`fetch`) asks for. The next pull goes out only once the pull before this
 * one is committed, so an instance holds at most two pulls' messages unacknowledged — each is
 * committed within a few group commits of its delivery, never left waiting out `ack_wait`.
 */
export const FETCH = 1000;
/**
 * Group commits in flight per instance (the ingest writer's transactions on PostgreSQL). While
 * they run, arriving messages gather for the next commit instead of queueing as small ones.
 */
const WRITERS = 2;
/** How long a pull waits on an empty stream before the next one. */
const FETCH_EXPIRES_MS = 5000;
/** The consumer's redelivery time for a delivered message that was not acknowledged. */
const ACK_WAIT_MS = 30_000;
/** Publishes of one HTTP batch in flight (sent, PubAck not yet back), at most. */
export const PUBLISH_WINDOW = 1000;
/** How long an HTTP batch waits for JetStream's PubAcks before answering 503. */
const PUBLISH_TIMEOUT_MS = 5000;

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
  readonly stats = {
    received: 0,
    /** Messages delivered again (JetStream's redelivery count above 1). */
    redelivered: 0,
    acked: 0,
    rejected: 0,
    retries: 0,
    published: 0,
    duplicate: 0,
  };
  readonly #service: SensorService;
  readonly #log: Logger;
  readonly #nc: NatsConnection;
  readonly #js: JetStreamClient;
  /** PubAcks of HTTP batches come back to `<inbox>.<batch>`, one subscription for all batches. */
  readonly #replyPrefix = createInbox();
  readonly #pending = new Map<number, (m: Msg) => void>();
  #nextBatch = 0;
  #replies: Subscription | undefined;
  #messages: ConsumerMessages | undefined;
  #batch: JsMsg[] = [];
  #flushScheduled = false;
  /** Group commits in flight, at most `WRITERS`. */
  readonly #writes = new Set<Promise<void>>();
  /** Messages delivered and not yet acknowledged (or nak'd / terminated). */
  #held = 0;
  /** Wakes the pull loop when a commit has settled its messages. */
  #settled: (() => void) | undefined;
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
    ingest.#replies = nc.subscribe(`${ingest.#replyPrefix}.*`, {
      callback: (_err, m) => {
        const id = Number(m.subject.slice(ingest.#replyPrefix.length + 1));
        ingest.#pending.get(id)?.(m);
      },
    });
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
      ackWaitMs: ACK_WAIT_MS,
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
    const sends: { subject: string; data: string; msgId: string }[] = [];
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
        sends.push({
          subject: `${NATS_SUBJECT_PREFIX}${meta.externalId}`,
          data: JSON.stringify({ ts: r.ts, value: r.value }),
          msgId: readingMsgId(meta.externalId, r.ts),
        });
      }
    }
    const duplicate = await this.#publishAll(sends).catch((error: unknown) => {
      // Some may be stored: a retry is safe, JetStream drops those by their Nats-Msg-Id.
      throw new IngestBusyError(
        'NATS JetStream did not confirm the readings; retry shortly (resent readings are dropped as duplicates)',
        { cause: error },
      );
    });
    this.stats.published += sends.length - duplicate;
    this.stats.duplicate += duplicate;
    let accepted = sends.length - duplicate;
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

  /**
   * Publishes a batch to the stream pipelined: every message goes out with the batch's reply
   * subject and no wait between them (at most `PUBLISH_WINDOW` awaiting their PubAck), and the
   * PubAcks are counted together as they come back — one reply subscription and one timer per
   * batch instead of a request (inbox, timer, promise) per reading. Resolves with how many
   * JetStream dropped as duplicates once every message has its PubAck; rejects on the first
   * JetStream error (or no stream) and after `PUBLISH_TIMEOUT_MS` without all of them.
   */
  #publishAll(sends: { subject: string; data: string; msgId: string }[]): Promise<number> {
    if (sends.length === 0) return Promise.resolve(0);
    const id = this.#nextBatch++;
    const reply = `${this.#replyPrefix}.${id}`;
    return new Promise<number>((resolve, reject) => {
      let sent = 0;
      let acked = 0;
      let duplicate = 0;
      const finish = (error?: Error) => {
        clearTimeout(timer);
        this.#pending.delete(id);
        if (error) reject(error);
        else resolve(duplicate);
      };
      const timer = setTimeout(
        () =>
          finish(
            new Error(`${sends.length - acked} PubAcks missing after ${PUBLISH_TIMEOUT_MS} ms`),
          ),
        PUBLISH_TIMEOUT_MS,
      );
      const sendMore = () => {
        try {
          while (sent < sends.length && sent - acked < PUBLISH_WINDOW) {
            const s = sends[sent++]!;
            const h = headers();
            h.set('Nats-Msg-Id', s.msgId);
            h.set('Nats-Expected-Stream', NATS_STREAM);
            this.#nc.publish(s.subject, s.data, { headers: h, reply });
          }
        } catch (error) {
          finish(error instanceof Error ? error : new Error(String(error)));
        }
      };
      this.#pending.set(id, (m) => {
        // No stream on the subject: the server's 503 "no responders" status, an empty message.
        if (m.headers?.code === 503)
          return finish(new Error('no JetStream stream for the subjects'));
        let ack: { stream?: string; duplicate?: boolean; error?: { description?: string } };
        try {
          ack = JSON.parse(new TextDecoder().decode(m.data)) as typeof ack;
        } catch {
          return finish(new Error('JetStream sent an unreadable PubAck'));
        }
        if (ack.error || ack.stream !== NATS_STREAM)
          return finish(
            new Error(`JetStream refused a reading: ${ack.error?.description ?? 'no stream'}`),
          );
        acked++;
        if (ack.duplicate) duplicate++;
        if (acked === sends.length) finish();
        else sendMore();
      });
      sendMore();
    });
  }

  /**
   * Pulls `FETCH` messages at a time and writes them in group commits as they arrive (a burst's
   * messages in one commit, at most `BATCH` each), acknowledging each after its commit. The next
   * pull waits until the one before the current pull is committed: a pull consumer that keeps
   * refilling as messages arrive (nats.js `consume()`) takes up to `max_ack_pending` messages
   * ahead of the database, and under load the last of them waited out `ack_wait` and were
   * delivered again (issue #16).
   */
  async #consumeLoop(): Promise<void> {
    while (!this.#stopped) {
      try {
        const consumer = await this.#js.consumers.get(NATS_STREAM, NATS_CONSUMER);
        while (!this.#stopped) {
          this.#messages = await consumer.fetch({
            max_messages: FETCH,
            expires: FETCH_EXPIRES_MS,
          });
          for await (const m of this.#messages) {
            this.stats.received++;
            if (m.info.redeliveryCount > 1) this.stats.redelivered++;
            this.#held++;
            this.#batch.push(m);
            if (this.#batch.length >= BATCH) this.#flush();
            else if (!this.#flushScheduled) {
              // After the messages already buffered have been taken (a group commit per burst).
              this.#flushScheduled = true;
              setImmediate(() => this.#flush());
            }
          }
          this.#flush();
          // The next pull once no more than one pull's messages are left unacknowledged.
          while (this.#held > FETCH && !this.#stopped)
            await new Promise<void>((resolve) => (this.#settled = resolve));
          // Acks are fire-and-forget publishes: a round trip puts them at the server before the
          // next pull request, so what it counts as pending stays near what is held here.
          if (!this.#stopped) await this.#nc.flush();
        }
      } catch (error) {
        this.#flush();
        if (this.#stopped) return;
        this.#log.warn({ err: error }, 'nats: consumer interrupted; resuming');
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  #flush(): void {
    this.#flushScheduled = false;
    while (this.#batch.length > 0 && this.#writes.size < WRITERS) {
      const batch = this.#batch.splice(0, BATCH);
      const write: Promise<void> = this.#write(batch)
        .catch((error: unknown) => {
          // Not acknowledged (the connection went away): JetStream delivers them again.
          this.#log.warn({ err: error }, 'nats: batch not acknowledged; it will be redelivered');
        })
        .finally(() => {
          this.#writes.delete(write);
          this.#held -= batch.length;
          this.#settled?.();
          // What arrived meanwhile goes in the next commit.
          this.#flush();
        });
      this.#writes.add(write);
    }
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
    this.#settled?.();
    this.#flush();
    while (this.#writes.size > 0) await Promise.all(this.#writes);
    this.#replies?.unsubscribe();
    await this.#nc.drain().catch(() => undefined);
  }
}
