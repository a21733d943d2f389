import { Hono } from 'hono';
import { z } from 'zod';
import { bbox, kindList } from '../params';
import { valid } from '../validate';
import type { SensorService } from './sensor-service';
import { principalOf } from '../auth/principal';
import { seesAllSensors } from '../auth/sensor-access';
import { eventStream } from '../event-stream';

const LiveQuery = z.object({ kind: kindList.optional(), bbox: bbox.optional() });

/** A client this far behind (unwritten events) is cut off; EventSource reconnects it. */
const MAX_QUEUED_EVENTS = 500;
const KEEPALIVE_MS = 15_000;

/**
 * The SSE frame of the last payload, encoded once: a fan-out hands every subscriber with the
 * same filter the same JSON string, so 1,000 clients cost one encoding, not 1,000. JSON from
 * JSON.stringify holds no line break, so it is one `data:` line.
 */
const encoder = new TextEncoder();
let lastJson = '';
let lastFrame = new Uint8Array(0);
function readingsFrame(json: string): Uint8Array {
  if (json !== lastJson) {
    lastFrame = encoder.encode(`event: readings\ndata: ${json}\n\n`);
    lastJson = json;
  }
  return lastFrame;
}

/**
 * `GET /api/live?kind&bbox`: server-sent events. First `ready` (the stream is live), then
 * `readings` events whose data is an array of `LiveUpdate`, for readings committed through any
 * instance. Below planner only traffic sensors' readings are sent (issue #9). `frame` events
 * (a `FrameNotice`) announce new camera frames; below planner only of cameras whose frames an
 * admin made public (issue #17).
 */
export function liveRoutes(service: SensorService) {
  return new Hono().get('/', valid('query', LiveQuery), (c) => {
    const q = c.req.valid('query');
    const filter = {
      kinds: q.kind ? new Set(q.kind) : undefined,
      bbox: q.bbox,
      publicOnly: !seesAllSensors(principalOf(c)),
    };
    c.header('X-Accel-Buffering', 'no');
    return eventStream(
      c,
      async (stream) => {
        // Camera frames (issue #17): a notice per new frame, for every camera the caller may see
        // frames of, unless `kind` leaves cameras out.
        const wantsFrames = !filter.kinds || filter.kinds.has('camera');
        const unsubscribeFrames = wantsFrames
          ? await service.frames.subscribe({
              publicOnly: filter.publicOnly,
              send: (_notice, json) => void stream.event('frame', json),
            })
          : () => {};
        const unsubscribe = await service.hub
          .subscribe({ filter, send: (_updates, json) => void stream.send(readingsFrame(json)) })
          .catch((error: unknown) => {
            unsubscribeFrames();
            throw error;
          });
        const keepAlive = setInterval(() => stream.send(': keep-alive\n\n'), KEEPALIVE_MS);
        keepAlive.unref();
        // Subscribing took a moment: a client gone meanwhile is let go at once.
        void stream.ended.then(() => {
          clearInterval(keepAlive);
          unsubscribe();
          unsubscribeFrames();
        });
        stream.event('ready', JSON.stringify({ at: new Date().toISOString() }));
      },
      { maxQueued: MAX_QUEUED_EVENTS, cacheControl: 'no-store' },
    );
  });
}
