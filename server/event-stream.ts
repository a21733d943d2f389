import type { Context } from 'hono';
import { takeStreamSlot } from './limits/sse-slots';

/** What a route writes a server-sent event stream with. */
export interface EventStream {
  /**
   * Queues one encoded frame (`event: …\ndata: …\n\n`). False when the stream is closed, or when
   * the client is more than `maxQueued` frames behind: its connection is then closed at once
   * (EventSource reconnects, and reads the state afresh).
   */
  send(frame: Uint8Array | string): boolean;
  /** An event: the `event:` line and a `data:` line for each line of `data`. */
  event(name: string, data: string): boolean;
  /** Ends the stream (the response ends once the client has read what was queued). */
  close(): void;
  readonly closed: boolean;
  /** Settles once the stream is closed, by `close()` or by the client going away. */
  readonly ended: Promise<void>;
}

export interface EventStreamOptions {
  /** Frames a client may have unread before it is cut off (default 500). */
  maxQueued?: number;
  /** The response's `Cache-Control` (default `no-cache`). */
  cacheControl?: string;
}

const encoder = new TextEncoder();

/** The node:http response behind `c`, when it is served by @hono/node-server. */
function outgoingOf(c: Context): { destroy(): void } | undefined {
  const env = c.env as { outgoing?: { destroy?: unknown } } | undefined;
  const outgoing = env?.outgoing;
  return typeof outgoing?.destroy === 'function' ? (outgoing as { destroy(): void }) : undefined;
}

/**
 * A `text/event-stream` response written from one push stream: a frame is enqueued and read
 * straight off by the node adapter, one promise per frame. (Hono's `streamSSE` sends each
 * write through a TransformStream and a second ReadableStream, and the stream cap wrapped a
 * third around them: with 1,000 clients that was most of the twin's work per reading.) The
 * stream's slot under the SSE caps, when the route has one, is freed when the stream ends.
 * `run` starts the stream; an error it throws closes it.
 */
export function eventStream(
  c: Context,
  run: (stream: EventStream) => void | Promise<void>,
  { maxQueued = 500, cacheControl = 'no-cache' }: EventStreamOptions = {},
): Response {
  const release = takeStreamSlot(c.req.raw);
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let closed = false;
  let ended!: () => void;
  const endedPromise = new Promise<void>((resolve) => (ended = resolve));
  const finish = () => {
    closed = true;
    release?.();
    ended();
  };
  const body = new ReadableStream<Uint8Array>(
    {
      start: (ctrl) => void (controller = ctrl),
      cancel: () => finish(),
    },
    // Nothing is buffered ahead: desiredSize is minus the frames the client has not read yet.
    { highWaterMark: 0 },
  );
  const stream: EventStream = {
    send(frame) {
      if (closed) return false;
      if (-(controller.desiredSize ?? 0) >= maxQueued) {
        // Cut off: its queue and the socket are let go at once, not when a client that stopped
        // reading gets round to the rest (on node:http the response is destroyed; `app.request`
        // has no socket, and the stream just ends).
        this.close();
        outgoingOf(c)?.destroy();
        return false;
      }
      controller.enqueue(typeof frame === 'string' ? encoder.encode(frame) : frame);
      return true;
    },
    event(name, data) {
      const lines = data.split(/\r\n|\r|\n/).map((line) => `data: ${line}`);
      return this.send(`event: ${name}\n${lines.join('\n')}\n\n`);
    },
    close() {
      if (closed) return;
      controller.close();
      finish();
    },
    get closed() {
      return closed;
    },
    ended: endedPromise,
  };
  // As Hono's streamSSE: chunked at once (the node adapter then does not wait for the first frames
  // to see whether the body is short enough for a Content-Length).
  c.header('Transfer-Encoding', 'chunked');
  c.header('Content-Type', 'text/event-stream');
  c.header('Cache-Control', cacheControl);
  c.header('Connection', 'keep-alive');
  void (async () => run(stream))().catch(() => stream.close());
  return c.newResponse(body);
}
