import type { Backend } from '../db/backend';
import type { Logger } from '../log';
import type { FrameNotice } from '../../common/camera-types';
import { ChannelFanOut } from './channel-fan-out';
import { FRAMES_CHANNEL } from './live-bus';

export { FRAMES_CHANNEL };

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
export class FrameFeed extends ChannelFanOut<FrameSubscriber> {
  constructor(backend: Backend, log: Logger) {
    super(backend, FRAMES_CHANNEL, log);
  }

  protected receive(payload: string): void {
    if (this.members.size === 0) return;
    let item: { c: string | number; t: number; p: boolean };
    try {
      item = JSON.parse(payload) as typeof item;
    } catch {
      this.log.warn('live: ignored a frame notification that is not JSON');
      return;
    }
    const camera = String(item.c);
    const ts = new Date(item.t);
    const notice: FrameNotice = { camera, ts: ts.toISOString(), url: frameUrl(camera, ts) };
    const json = JSON.stringify(notice);
    for (const sub of this.members) {
      if (sub.publicOnly && !item.p) continue;
      this.deliver(sub, () => sub.send(notice, json));
    }
  }
}
