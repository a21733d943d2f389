/** An answer's JSON, read loosely: tests pick the fields they assert. */
export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** How a test reaches the twin: in-process (`twin.app.request`) or over HTTP (`fetch`). */
export type Requester = (path: string, init: RequestInit) => Response | Promise<Response>;

/**
 * One request with `headers` (who calls: a token or a session) and an optional JSON body; the
 * answer's status, headers and JSON (null when empty).
 */
export async function requestJson(
  request: Requester,
  headers: Record<string, string>,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; headers: Headers; json: Json }> {
  const res = await request(path, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    json: (text ? JSON.parse(text) : null) as Json,
  };
}

/** A square footprint of `side` ground metres centred on [lon, lat], WGS84 (a GeoJSON Polygon). */
export function square(lon: number, lat: number, side = 20) {
  const dLat = side / 2 / 111_320;
  const dLon = side / 2 / (111_320 * Math.cos((lat * Math.PI) / 180));
  return {
    type: 'Polygon' as const,
    coordinates: [
      [
        [lon - dLon, lat - dLat],
        [lon + dLon, lat - dLat],
        [lon + dLon, lat + dLat],
        [lon - dLon, lat + dLat],
        [lon - dLon, lat - dLat],
      ],
    ],
  };
}

/**
 * A square of `d` degrees a side with its south-west corner at [lon, lat], WGS84 (a GeoJSON
 * Polygon); `dLat` degrees high instead, a rectangle (a tower footprint: 0.6 `d`).
 */
export function cornerSquare(lon: number, lat: number, d: number, dLat = d) {
  return {
    type: 'Polygon' as const,
    coordinates: [
      [
        [lon, lat],
        [lon + d, lat],
        [lon + d, lat + dLat],
        [lon, lat + dLat],
        [lon, lat],
      ],
    ],
  };
}
