import { connect, type Socket } from 'node:net';
import { generate, parser, type Packet } from 'mqtt-packet';

/**
 * A QoS 1 publisher for the ingest bench, on a bare socket with mqtt-packet (the encoder mqtt.js
 * itself uses): messages are encoded as they are queued and written in one socket write per
 * burst, and the broker's PUBACKs are only counted. mqtt.js keeps a promise, an outgoing-store
 * entry and a write per message, which on this 2-core machine made the bench's own process the
 * limit of the MQTT figures (docs/performance.md). MQTT 3.1.1, so the broker does not cap the
 * messages in flight from it; ids are never reused while in flight (the bench keeps far fewer
 * than 65,535 outstanding).
 */
export class RawPublisher {
  /** PUBACKs received from the broker. */
  acked = 0;
  sent = 0;
  readonly #socket: Socket;
  #pending: Buffer[] = [];
  #nextId = 1;

  private constructor(socket: Socket) {
    this.#socket = socket;
  }

  static async connect(url: string, clientId: string): Promise<RawPublisher> {
    const u = new URL(url);
    const socket = connect({ host: u.hostname, port: Number(u.port || 1883), noDelay: true });
    const publisher = new RawPublisher(socket);
    const incoming = parser({ protocolVersion: 4 });
    const connected = new Promise<void>((resolve, reject) => {
      incoming.on('packet', (p: Packet) => {
        if (p.cmd === 'puback') publisher.acked++;
        else if (p.cmd === 'connack') {
          if (p.returnCode === 0) resolve();
          else reject(new Error(`MQTT connect refused: ${p.returnCode}`));
        }
      });
      incoming.on('error', reject);
      socket.once('error', reject);
    });
    socket.on('data', (chunk: Buffer) => incoming.parse(chunk));
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    socket.write(
      generate({
        cmd: 'connect',
        protocolId: 'MQTT',
        protocolVersion: 4,
        clean: true,
        clientId,
        keepalive: 0, // no PINGREQ from a publisher that may sit idle while the twin catches up
        ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
        ...(u.password ? { password: Buffer.from(decodeURIComponent(u.password)) } : {}),
      }),
    );
    await connected;
    return publisher;
  }

  /** Queues one QoS 1 message; `flush` writes what is queued. */
  publish(topic: string, payload: string): void {
    const messageId = this.#nextId;
    this.#nextId = this.#nextId === 65_535 ? 1 : this.#nextId + 1;
    this.#pending.push(
      generate({ cmd: 'publish', topic, payload, qos: 1, messageId, dup: false, retain: false }),
    );
    this.sent++;
  }

  flush(): void {
    if (this.#pending.length === 0) return;
    this.#socket.write(Buffer.concat(this.#pending));
    this.#pending = [];
  }

  /** Resolves once every message sent has its PUBACK from the broker. */
  async settled(timeoutMs = 60_000): Promise<void> {
    const t0 = performance.now();
    while (this.acked < this.sent) {
      if (performance.now() - t0 > timeoutMs)
        throw new Error(`${this.sent - this.acked} messages without PUBACK after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 2));
    }
  }

  end(): void {
    this.#socket.end(generate({ cmd: 'disconnect' }));
  }
}
