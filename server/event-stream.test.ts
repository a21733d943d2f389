import { afterEach, describe, expect, it } from 'vitest';
import { Hono } from 'hono';
import { serve, type ServerType } from '@hono/node-server';
import { connect } from 'node:net';
import { eventStream, type EventStream } from './event-stream';
import { SseSlots } from './limits/sse-slots';
import { ClientIdentity } from './limits/client-identity';

/** A real node:http server for `app` on a free port. */
async function listen(app: Hono): Promise<{ server: ServerType; url: string; port: number }> {
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) =>
      resolve({ server, url: `http://127.0.0.1:${info.port}`, port: info.port }),
    );
  });
}

/** Resolves once `check()` holds (the app's own state, polled; no fixed delay). */
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
}

let server: ServerType | undefined;
afterEach(() => {
  server?.close();
  server = undefined;
});

describe('eventStream over node:http', () => {
  it('sends the frames in order with the event-stream headers, and ends when closed', async () => {
    const app = new Hono().get('/', (c) =>
      eventStream(c, (s) => {
        s.event('ready', '{"a":1}');
        s.send(new TextEncoder().encode('event: readings\ndata: []\n\n'));
        s.event('note', 'two\nlines');
        s.close();
        expect(s.send('late')).toBe(false);
      }),
    );
    const srv = await listen(app);
    server = srv.server;
    const res = await fetch(srv.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(await res.text()).toBe(
      'event: ready\ndata: {"a":1}\n\nevent: readings\ndata: []\n\nevent: note\ndata: two\ndata: lines\n\n',
    );
  });

  it('frees its stream slot and settles `ended` when the client goes away', async () => {
    const slots = new SseSlots(5, 5);
    let stream: EventStream | undefined;
    const app = new Hono().use(slots.middleware(new ClientIdentity([], undefined))).get('/', (c) =>
      eventStream(c, (s) => {
        stream = s;
        s.event('ready', '{}');
      }),
    );
    const srv = await listen(app);
    server = srv.server;
    const abort = new AbortController();
    const res = await fetch(srv.url, { signal: abort.signal });
    const reader = res.body!.getReader();
    await reader.read();
    expect(slots.open).toBe(1);
    let ended = false;
    void stream!.ended.then(() => (ended = true));
    abort.abort();
    await until(() => ended && slots.open === 0);
    expect(stream!.closed).toBe(true);
    expect(stream!.send('event: x\ndata: 1\n\n')).toBe(false);
  });

  it('cuts off a client that stops reading once it is `maxQueued` frames behind', async () => {
    let stream: EventStream | undefined;
    const app = new Hono().get('/', (c) =>
      eventStream(c, (s) => void (stream = s), { maxQueued: 8 }),
    );
    const srv = await listen(app);
    server = srv.server;
    // A client that sends its request and then reads nothing: the socket buffers fill, the
    // adapter stops reading the stream and the frames queue up in it.
    const socket = connect(srv.port, '127.0.0.1');
    await new Promise<void>((r) => socket.once('connect', () => r()));
    socket.pause();
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await until(() => stream !== undefined);
    const frame = new Uint8Array(256 * 1024).fill(0x61);
    let sent = 0;
    const deadline = 4096; // 1 GiB: far more than any socket buffer holds
    while (sent < deadline && stream!.send(frame)) {
      sent++;
      if (sent % 16 === 0) await new Promise((r) => setImmediate(r)); // let the adapter write
    }
    expect(sent).toBeLessThan(deadline);
    expect(stream!.closed).toBe(true);
    // Its connection is let go at once, though the client never read the queued frames.
    const connections = () => new Promise<number>((r) => server!.getConnections((_e, n) => r(n)));
    let open = await connections();
    for (let i = 0; i < 200 && open > 0; i++) {
      await new Promise((r) => setTimeout(r, 10));
      open = await connections();
    }
    expect(open).toBe(0);
    socket.destroy();
  });
});
