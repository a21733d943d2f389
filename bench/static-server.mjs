import http from 'node:http';
import { randomBytes } from 'node:crypto';

/**
 * The cached-tile baseline: a plain node:http server answering every request with one stored
 * buffer (the size of an average tile), with the headers a tile server sends.
 */
const size = Number(process.argv[2] ?? 20_000);
const body = randomBytes(size);
const server = http.createServer((_req, res) => {
  res.writeHead(200, {
    'Content-Type': 'application/vnd.mapbox-vector-tile',
    'Content-Encoding': 'gzip',
    'Content-Length': body.length,
    ETag: '"static"',
    'Cache-Control': 'public, no-cache',
  });
  res.end(body);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  console.log(`listening on http://127.0.0.1:${port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
