import type { Backend } from '../db/backend';
import type { Logger } from '../log';
import type { FrameNotice } from '../../common/camera-types';
import type { LiveBus } from './live-bus';

/** The NOTIFY channel of new camera frames; payloads are `{"c": cameraId, "t": tsMs, "p": public}`. */
export const FRAMES_CHANNEL = 'twin_camera_frames';

/** Where one frame can be fetched: its time as ISO 8601 in the path. */
export const frameUrl = (camera: string, ts: Date): string =>
  `/api/cameras/${encodeURIComponent(camera)}/frames/${ts.toISOString()}`;

export interface FrameSubscriber {
  /** Only cameras whose frames are public (a subscriber below planner; issue #17). */
  publicOnly: boolean;
  send(notice: FrameNotice, json: string): void;
}

/**
 * Fan-out of committed camera frames to live clients (issue #17), beside the readings of
 * live-hub.ts: the frame's transaction NOTIFYs, every instance LISTENs, so a frame stored through
 * any instance reaches the clients of all of them. Carries a notice (camera, time, URL), never the
 * image; a frame of a staff-only camera reaches staff only.
 */
export class FrameFeed {
  readonly #backend: Backend;
  readonly #log: Logger;
  readonly #subscribers = new Set<FrameSubscriber>();
  #unlisten: Promise<() => Promise<void>> | undefined;

  /** The NATS bus when `NATS_URL` is set (issue #16); else the database's LISTEN. */
  bus: LiveBus | undefined;

  constructor(backend: Backend, log: Logger) {
    this.#backend = backend;
    this.#log = log;
  }

  get subscribers(): number {
    return this.#subscribers.size;
  }

  /** Adds a subscriber; resolves once listening (so no later frame is missed). */
  async subscribe(subscriber: FrameSubscriber): Promise<() => void> {
    this.#subscribers.add(subscriber);
    await this.start();
    return () => this.#subscribers.delete(subscriber);
  }

  start(): Promise<unknown> {
    this.#unlisten ??= (this.bus ?? this.#backend).listen(FRAMES_CHANNEL, (payload) =>
      this.#receive(payload),
    );
    return this.#unlisten;
  }

  async stop(): Promise<void> {
    const unlisten = this.#unlisten;
    this.#unlisten = undefined;
    this.#subscribers.clear();
    if (!unlisten) return;
    const give = new Promise<void>((resolve) => setTimeout(resolve, 2000).unref());
    await Promise.race([unlisten.then((f) => f()).catch(() => undefined), give]);
  }

  #receive(payload: string): void {
    if (this.#subscribers.size === 0) return;
    let item: { c: string | number; t: number; p: boolean };
    try {
      item = JSON.parse(payload) as typeof item;
    } catch {
      this.#log.warn('live: ignored a frame notification that is not JSON');
      return;
    }
    const camera = String(item.c);
    const ts = new Date(item.t);
    const notice: FrameNotice = { camera, ts: ts.toISOString(), url: frameUrl(camera, ts) };
    const json = JSON.stringify(notice);
    for (const sub of this.#subscribers) {
      if (sub.publicOnly && !item.p) continue;
      try {
        sub.send(notice, json);
      } catch (error) {
        this.#log.warn({ err: error }, 'live: a frame subscriber failed; dropped');
        this.#subscribers.delete(sub);
      }
    }
  }
}
