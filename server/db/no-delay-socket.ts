import { Socket } from 'node:net';

/** The connection options postgres.js hands a `socket` function (not in its typings). */
interface SocketOptions {
  host: string[];
  port: number[];
  path?: string | false;
}

/**
 * postgres.js's `socket` option: its TCP connection with TCP_NODELAY, which postgres.js does
 * not set. Without it the first message after a COPY waited ~40 ms for the server's delayed ACK
 * (Nagle's algorithm holds a small write while sent data is unacknowledged): every 1 MiB chunk of
 * an import paid that, 3 of its 9.5 s (docs/performance.md). Connects to the URL's first host
 * (the twin's URLs name one each) or to its Unix socket.
 */
export function noDelaySocket(o: SocketOptions): Socket {
  const socket = new Socket();
  socket.setNoDelay(true);
  return o.path ? socket.connect(o.path) : socket.connect(o.port[0]!, o.host[0]!);
}

/** Spread into postgres.js options: `postgres(url, { ...NO_DELAY, … })`. */
export const NO_DELAY = { socket: noDelaySocket } as unknown as Record<string, never>;
