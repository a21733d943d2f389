import mqtt, { type IPublishPacket, type MqttClient } from 'mqtt';
import type { Logger } from '../log';
import { checkReading, type ParsedReading, type Rejection } from './reading-parser';
import type { SensorService } from './sensor-service';

export const SENSOR_TOPIC = 'twin/sensors/+';
const TOPIC_PREFIX = 'twin/sensors/';
/** Where a rejected message's reason is published (QoS 0): `twin/rejected/{externalId}`. */
export const REJECTED_PREFIX = 'twin/rejected/';

export interface MqttIngestOptions {
  url: string;
  clientId: string;
  username?: string;
  password?: string;
  /**
   * Subscribe as a member of this shared-subscription group (`$share/{group}/twin/sensors/+`),
   * so several instances split one stream; undefined: a plain subscription (the in-process
   * broker, which does not implement shared subscriptions).
   */
  shareGroup?: string;
  /**
   * MQTT 5: the broker may keep up to `RECEIVE_MAXIMUM` messages unacknowledged in flight to
   * this client (MQTT 3.1.1 leaves it to the broker: Mosquitto's default is 20), so one commit
   * covers a large batch. The in-process broker speaks 3.1.1.
   */
  v5?: boolean;
}

/** Messages in flight to this instance, unacknowledged (bounds what a failing DB holds). */
const RECEIVE_MAXIMUM = 2000;
/** How long the broker keeps a persistent (MQTT 5) session while the twin is away: 7 days. */
const SESSION_EXPIRY_S = 7 * 86_400;

interface Pending {
  packet: IPublishPacket;
  /** The connection it arrived on: a PUBACK only makes sense on that one. */
  generation: number;
}

/** Messages per transaction, at most. */
const MAX_BATCH = 2000;

/**
 * MQTT ingest: QoS 1 on a persistent session (clean: false, a fixed client id), PUBACK sent
 * only after the reading's transaction committed. mqtt.js acknowledges when `handleMessage`
 * calls back, one message at a time; to batch, the PUBACK is held back here and sent after
 * COMMIT for the whole batch. While the database fails, nothing is acknowledged: the broker
 * keeps the messages (its in-flight window bounds what this instance holds) and redelivers them
 * after a reconnect. A redelivered message that was already stored counts as a duplicate.
 */
export class MqttIngest {
  readonly #service: SensorService;
  readonly #log: Logger;
  readonly #client: MqttClient;
  #generation = 0;
  #queue: Pending[] = [];
  #busy = false;
  #stopped = false;
  #retryMs = 0;
  /** Counters, for tests and metrics. */
  readonly stats = { received: 0, acked: 0, rejected: 0, retries: 0 };

  private constructor(service: SensorService, client: MqttClient) {
    this.#service = service;
    this.#log = service.log;
    this.#client = client;
  }

  static async start(service: SensorService, options: MqttIngestOptions): Promise<MqttIngest> {
    const client = mqtt.connect(options.url, {
      clientId: options.clientId,
      clean: false,
      protocolVersion: options.v5 ? 5 : 4,
      ...(options.v5
        ? {
            properties: {
              sessionExpiryInterval: SESSION_EXPIRY_S,
              receiveMaximum: RECEIVE_MAXIMUM,
            },
          }
        : {}),
      username: options.username,
      password: options.password,
      reconnectPeriod: 250,
      connectTimeout: 10_000,
      keepalive: 30,
      manualConnect: true,
      // mqtt.js calls its `debug` logger for every packet; off unless DEBUG asks for it (a
      // twentieth of the twin's time in the MQTT bench).
      ...(process.env.DEBUG?.includes('mqttjs') ? {} : { log: () => {} }),
    });
    const ingest = new MqttIngest(service, client);
    client.handleMessage = (packet, callback) => ingest.#receive(packet, callback);
    client.on('connect', (connack) => {
      ingest.#generation++;
      // Subscribe on every connect, even when the broker says the session is present: Mosquitto
      // 2.0 does not restore shared subscriptions after its own restart. mqtt.js skips topics
      // it believes subscribed unless `resubscribe` is set. Subscribing again is idempotent.
      const topic = options.shareGroup
        ? `$share/${options.shareGroup}/${SENSOR_TOPIC}`
        : SENSOR_TOPIC;
      const request = { [topic]: { qos: 1 as const }, resubscribe: true };
      client.subscribe(request as unknown as Record<string, { qos: 1 }>, (error) => {
        if (error) service.log.error({ err: error }, 'mqtt: subscribe failed');
      });
      service.log.info({ sessionPresent: connack.sessionPresent }, 'mqtt: connected');
    });
    client.on('error', (error) => service.log.warn({ err: error }, 'mqtt: connection error'));
    client.on('offline', () => service.log.warn('mqtt: broker unreachable; reconnecting'));
    const connected = new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    client.connect();
    await connected;
    return ingest;
  }

  #receive(packet: IPublishPacket, callback: (error?: Error) => void): void {
    if (this.#stopped) return callback(new Error('stopping: not acknowledged'));
    this.stats.received++;
    this.#queue.push({ packet, generation: this.#generation });
    // Calling back with an error lets mqtt.js read the next packet without sending PUBACK;
    // the PUBACK goes out from #flush after COMMIT.
    callback(packet.qos > 0 ? DEFERRED : undefined);
    if (!this.#busy) setImmediate(() => void this.#flush());
  }

  async #flush(): Promise<void> {
    if (this.#busy || this.#stopped) return;
    this.#busy = true;
    try {
      while (this.#queue.length > 0 && !this.#stopped) {
        const batch = this.#queue.slice(0, MAX_BATCH);
        const ok = await this.#write(batch);
        if (ok) {
          this.#queue.splice(0, batch.length);
          this.#retryMs = 0;
          this.#ack(batch);
        } else {
          this.stats.retries++;
          this.#retryMs = Math.min(2000, Math.max(100, this.#retryMs * 2));
          await new Promise((r) => setTimeout(r, this.#retryMs));
          // Messages from a dropped connection will be redelivered on the new one: forget them.
          this.#queue = this.#queue.filter((p) => p.generation === this.#generation);
        }
      }
    } finally {
      this.#busy = false;
    }
  }

  /** Writes one batch; false when it must be retried (nothing acknowledged). */
  async #write(batch: Pending[]): Promise<boolean> {
    const readings: ParsedReading[] = [];
    const rejected: (Rejection & { topic: string })[] = [];
    const latest = Date.now() + this.#service.config.sensors.maxFutureS * 1000;
    for (let index = 0; index < batch.length; index++) {
      const packet = batch[index]!.packet;
      const externalId = packet.topic.slice(TOPIC_PREFIX.length);
      let body: unknown;
      try {
        body = JSON.parse(packet.payload.toString('utf8'));
      } catch {
        rejected.push({
          index,
          topic: externalId,
          reason: 'malformed',
          message: 'payload is not JSON {ts, value}',
        });
        continue;
      }
      // The topic names the sensor (over any `sensor` in the body); the object is ours to change.
      if (typeof body === 'object' && body !== null && !Array.isArray(body))
        (body as Record<string, unknown>).sensor = externalId;
      const r = checkReading(body, latest);
      if ('reason' in r) rejected.push({ index, topic: externalId, ...r });
      else readings.push({ index, sensor: r.sensor, ts: r.ts, value: r.value });
    }
    let result;
    try {
      result = await this.#service.ingest({ readings, rejected });
    } catch (error) {
      this.#log.warn({ err: error }, 'mqtt: batch not stored; will retry, not acknowledged');
      return false;
    }
    for (const e of result.errors) {
      this.stats.rejected++;
      const topic = batch[e.index]!.packet.topic.slice(TOPIC_PREFIX.length);
      this.#log.warn({ topic, reason: e.reason }, `mqtt: reading rejected: ${e.message}`);
      this.#client.publish(
        `${REJECTED_PREFIX}${topic}`,
        JSON.stringify({ reason: e.reason, message: e.message }),
        { qos: 0 },
      );
    }
    return true;
  }

  /**
   * PUBACKs for a committed batch, in arrival order, in one socket write: a PUBACK with success
   * is the same four bytes in MQTT 3.1.1 and 5 (type, length 2, packet id). One write per
   * message through mqtt.js was most of the twin's own time in the MQTT bench.
   */
  #ack(batch: Pending[]): void {
    if (!this.#client.connected) return;
    const out = Buffer.allocUnsafe(batch.length * 4);
    let n = 0;
    for (const { packet, generation } of batch) {
      if (packet.qos === 0 || generation !== this.#generation) continue;
      const id = packet.messageId!;
      out[n++] = 0x40;
      out[n++] = 0x02;
      out[n++] = id >> 8;
      out[n++] = id & 0xff;
    }
    if (n === 0) return;
    this.#client.stream.write(out.subarray(0, n));
    this.stats.acked += n / 4;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#client.endAsync(true).catch(() => undefined);
  }
}

/** The error mqtt.js receives for a message whose PUBACK is sent later, after COMMIT. */
const DEFERRED = Object.assign(new Error('acknowledged after commit'), { deferred: true });
