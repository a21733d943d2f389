import type { NatsConnection, Subscription } from 'nats';
import { connectNats } from '../jetstream';
import type { Logger } from '../log';
import { READINGS_CHANNEL } from './ingest-writer';

/** The NOTIFY channel of new camera frames; payloads are `{"c": cameraId, "t": tsMs, "p": public}`. */
export const FRAMES_CHANNEL = 'twin_camera_frames';

/**
 * Where committed readings and camera-frame notices fan out to every instance. Without
 * `NATS_URL` that is PostgreSQL's LISTEN/NOTIFY (the NOTIFY is part of the writing transaction);
 * with it, NATS core subjects (issue #16): the writer publishes after COMMIT and every instance
 * subscribes, so the database carries no fan-out traffic.
 */
export interface LiveBus {
  /** Subscribes to a channel; resolves (once the server has the subscription) to an unsubscribe. */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  /** Sends a payload to every instance's listeners (after the data is committed). */
  publish(channel: string, payload: string): void;
}

/** NATS subjects of the live channels. */
export const LIVE_SUBJECTS: Record<string, string> = {
  [READINGS_CHANNEL]: 'twin.live.readings',
  [FRAMES_CHANNEL]: 'twin.live.frames',
};

const subjectOf = (channel: string): string => {
  const s = LIVE_SUBJECTS[channel];
  if (!s) throw new Error(`no NATS subject for live channel ${channel}`);
  return s;
};

/** The live channels over NATS core subjects (at most once, like NOTIFY: a live view, not a log). */
export class NatsLiveBus implements LiveBus {
  readonly #nc: NatsConnection;
  readonly #log: Logger;
  readonly #decoder = new TextDecoder();
  readonly #subs = new Set<Subscription>();

  private constructor(nc: NatsConnection, log: Logger) {
    this.#nc = nc;
    this.#log = log;
  }

  static async connect(url: string, log: Logger): Promise<NatsLiveBus> {
    const nc = await connectNats(url, `twin-live-${process.pid}`);
    return new NatsLiveBus(nc, log);
  }

  async listen(
    channel: string,
    onPayload: (payload: string) => void,
  ): Promise<() => Promise<void>> {
    const sub = this.#nc.subscribe(subjectOf(channel), {
      callback: (err, msg) => {
        if (err) {
          this.#log.warn({ err }, 'live: NATS subscription error');
          return;
        }
        onPayload(this.#decoder.decode(msg.data));
      },
    });
    this.#subs.add(sub);
    // The subscription is registered on the server once a round trip has come back.
    await this.#nc.flush();
    return async () => {
      this.#subs.delete(sub);
      sub.unsubscribe();
    };
  }

  publish(channel: string, payload: string): void {
    try {
      this.#nc.publish(subjectOf(channel), payload);
    } catch (error) {
      // Closed or draining: a live view misses this update, the data itself is stored.
      this.#log.warn({ err: error }, 'live: could not publish to NATS');
    }
  }

  async close(): Promise<void> {
    await this.#nc.drain().catch(() => undefined);
  }
}
