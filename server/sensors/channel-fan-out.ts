import type { Backend } from '../db/backend';
import type { Logger } from '../log';
import type { LiveBus } from './live-bus';

/**
 * The subscribers of one live channel on this instance: listens once the first one subscribes
 * (on the NATS bus when `NATS_URL` is set, issue #16; else the database's LISTEN), hands every
 * payload to `receive`, and drops a subscriber whose `send` throws. Readings (live-hub.ts) and
 * camera-frame notices (frame-feed.ts) fan out through it.
 */
export abstract class ChannelFanOut<S> {
  protected readonly log: Logger;
  /** The subscribers, in the order they came. */
  protected readonly members = new Set<S>();
  readonly #backend: Backend;
  readonly #channel: string;
  #unlisten: Promise<() => Promise<void>> | undefined;

  /** The NATS bus when `NATS_URL` is set (issue #16); else the database's LISTEN. */
  bus: LiveBus | undefined;

  constructor(backend: Backend, channel: string, log: Logger) {
    this.#backend = backend;
    this.#channel = channel;
    this.log = log;
  }

  get subscribers(): number {
    return this.members.size;
  }

  /** Adds a subscriber; resolves once this instance is listening (so nothing later is missed). */
  async subscribe(subscriber: S): Promise<() => void> {
    this.members.add(subscriber);
    await this.start();
    return () => this.members.delete(subscriber);
  }

  start(): Promise<unknown> {
    this.#unlisten ??= (this.bus ?? this.#backend).listen(this.#channel, (payload) =>
      this.receive(payload),
    );
    return this.#unlisten;
  }

  async stop(): Promise<void> {
    const unlisten = this.#unlisten;
    this.#unlisten = undefined;
    this.members.clear();
    if (!unlisten) return;
    // Bounded: after a database restart the listening connection may never answer.
    const give = new Promise<void>((resolve) => setTimeout(resolve, 2000).unref());
    await Promise.race([unlisten.then((f) => f()).catch(() => undefined), give]);
  }

  /** One payload of the channel, as the writer sent it. */
  protected abstract receive(payload: string): void;

  /** Runs `send` for one subscriber; one that throws is logged and dropped. */
  protected deliver(subscriber: S, send: () => void): void {
    try {
      send();
    } catch (error) {
      this.log.warn({ err: error, channel: this.#channel }, 'live: a subscriber failed; dropped');
      this.members.delete(subscriber);
    }
  }
}
