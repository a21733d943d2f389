import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import polyline from '@mapbox/polyline';
import wkx from 'wkx';
import type { ReadingInput } from '../../common/sensor-types';
import type { SensorRegistration } from '../../common/sensor-types';

/** One row of the series: a time and a value per column (sensor). */
export interface SeriesRow {
  ts: number;
  values: (number | null)[];
}

export interface Series {
  /** Sensor ids of the columns, as the file names them. */
  sensors: string[];
  rows: SeriesRow[];
  /** Long format: each sensor's location (a point, or a line's midpoint) where the file gives one. */
  locations?: Map<string, [number, number]>;
  /** Long format: the line a sensor measures (WKT LINESTRING or encoded polyline), WGS84. */
  lines?: Map<string, [number, number][]>;
}

const TIME_COLUMNS = /^(timestamp|time|ts|date|datetime)$/i;

/**
 * Reads a wide CSV time series: a header of sensor ids (an optional first time column), one row
 * per time step. Without a time column, rows are `stepS` seconds apart and the series ends at
 * `end` (so a replayed week lands in the last week). A header that is not sensor ids can be
 * replaced by `columns` (e.g. graph_sensor_ids.txt).
 */
export function readSeries(
  text: string,
  options: { stepS: number; end: number; columns?: string[] },
): Series {
  const records = parse(text, { skip_empty_lines: true, trim: true }) as string[][];
  if (records.length < 2) throw new Error('the CSV needs a header row and at least one data row');
  const header = records[0]!;
  if (isLongFormat(header)) return readLongSeries(header, records.slice(1));
  const timed = TIME_COLUMNS.test(header[0] ?? '');
  const sensors = options.columns ?? (timed ? header.slice(1) : header);
  const width = timed ? header.length - 1 : header.length;
  if (sensors.length !== width) {
    throw new Error(`the file has ${width} value columns but ${sensors.length} sensor ids`);
  }
  const body = records.slice(1);
  const rows = body.map((r, i) => {
    const ts = timed
      ? Date.parse(r[0]!)
      : options.end - (body.length - 1 - i) * options.stepS * 1000;
    if (!Number.isFinite(ts))
      throw new Error(`row ${i + 2}: cannot read the time ${JSON.stringify(r[0])}`);
    const cells = timed ? r.slice(1) : r;
    return {
      ts,
      values: cells.map((c) => {
        const v = c === '' ? NaN : Number(c);
        return Number.isFinite(v) ? v : null;
      }),
    };
  });
  return { sensors, rows };
}

const LONG_SENSOR = /^(sensor|sensor_id|external_id)$/i;
const LONG_VALUE = /^value$/i;
const LONG_GEOMETRY = /^(wkt|geometry|geom)$/i;

/** `sensor,ts,value` (any order, optional geometry columns): one reading per row. */
function isLongFormat(header: string[]): boolean {
  return (
    header.some((h) => LONG_SENSOR.test(h)) &&
    header.some((h) => TIME_COLUMNS.test(h)) &&
    header.some((h) => LONG_VALUE.test(h))
  );
}

/** A WKT point or line, or an encoded polyline, as WGS84 positions (a point is one position). */
function positionsOf(
  wkt: string | undefined,
  encoded: string | undefined,
): [number, number][] | undefined {
  if (encoded) return polyline.decode(encoded).map(([lat, lon]) => [lon, lat]);
  if (!wkt) return undefined;
  const g = wkx.Geometry.parse(wkt).toGeoJSON() as {
    type: string;
    coordinates: number[] | number[][];
  };
  if (g.type === 'Point')
    return [[(g.coordinates as number[])[0]!, (g.coordinates as number[])[1]!]];
  if (g.type === 'LineString') return (g.coordinates as number[][]).map((p) => [p[0]!, p[1]!]);
  throw new Error(`a sensor's geometry must be a POINT or a LINESTRING, not ${g.type}`);
}

function midpoint(line: [number, number][]): [number, number] {
  const seg = (i: number) =>
    Math.hypot(line[i]![0] - line[i - 1]![0], line[i]![1] - line[i - 1]![1]);
  let left = line.slice(1).reduce((sum, _p, i) => sum + seg(i + 1), 0) / 2;
  for (let i = 1; i < line.length; i++) {
    const d = seg(i);
    if (d >= left && d > 0)
      return [
        line[i - 1]![0] + ((line[i]![0] - line[i - 1]![0]) * left) / d,
        line[i - 1]![1] + ((line[i]![1] - line[i - 1]![1]) * left) / d,
      ];
    left -= d;
  }
  return line[0]!;
}

/**
 * Long-format observations (issue #15): rows of sensor, time (ISO 8601 or epoch) and value, with
 * an optional geometry per sensor — `wkt`/`geometry` (POINT or LINESTRING), `lon`/`lat`, or an
 * encoded `polyline` — given on any of its rows. Rows become the same series as a wide file:
 * one time step per distinct time, a column per sensor.
 */
function readLongSeries(header: string[], body: string[][]): Series {
  const col = (re: RegExp) => header.findIndex((h) => re.test(h));
  const [si, ti, vi] = [col(LONG_SENSOR), col(TIME_COLUMNS), col(LONG_VALUE)];
  const [gi, pi, loi, lai] = [
    col(LONG_GEOMETRY),
    col(/^polyline$/i),
    col(/^(lon|lng|longitude)$/i),
    col(/^(lat|latitude)$/i),
  ];
  const sensors: string[] = [];
  const index = new Map<string, number>();
  const byTime = new Map<number, Map<number, number>>();
  const locations = new Map<string, [number, number]>();
  const lines = new Map<string, [number, number][]>();
  body.forEach((r, i) => {
    const id = r[si]?.trim();
    if (!id) throw new Error(`row ${i + 2}: no sensor id`);
    const raw = r[ti] ?? '';
    const n = /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : NaN;
    const ts = Number.isFinite(n) ? (Math.abs(n) < 1e11 ? n * 1000 : n) : Date.parse(raw);
    if (!Number.isFinite(ts))
      throw new Error(`row ${i + 2}: cannot read the time ${JSON.stringify(raw)}`);
    if (!index.has(id)) index.set(id, sensors.push(id) - 1);
    const v = r[vi] === '' || r[vi] === undefined ? NaN : Number(r[vi]);
    if (Number.isFinite(v)) {
      const row = byTime.get(ts) ?? new Map<number, number>();
      row.set(index.get(id)!, v);
      byTime.set(ts, row);
    }
    if (!locations.has(id)) {
      let ps: [number, number][] | undefined;
      try {
        ps =
          loi >= 0 && lai >= 0 && r[loi] && r[lai]
            ? [[Number(r[loi]), Number(r[lai])]]
            : positionsOf(
                gi >= 0 ? r[gi]?.trim() || undefined : undefined,
                pi >= 0 ? r[pi]?.trim() || undefined : undefined,
              );
      } catch (error) {
        throw new Error(`row ${i + 2}: ${(error as Error).message}`, { cause: error });
      }
      if (ps && ps.every((p) => Number.isFinite(p[0]) && Number.isFinite(p[1]))) {
        locations.set(id, ps.length === 1 ? ps[0]! : midpoint(ps));
        if (ps.length > 1) lines.set(id, ps);
      }
    }
  });
  const rows = [...byTime.keys()]
    .sort((a, b) => a - b)
    .map((ts) => {
      const values: (number | null)[] = sensors.map(() => null);
      for (const [c, v] of byTime.get(ts)!) values[c] = v;
      return { ts, values };
    });
  return {
    sensors,
    rows,
    ...(locations.size ? { locations } : {}),
    ...(lines.size ? { lines } : {}),
  };
}

/**
 * Sensor positions from a CSV with sensor id and latitude/longitude columns (any order; names
 * like sensor_id / id, latitude / lat, longitude / lon / lng) or a GeoJSON of points whose
 * properties carry `sensor_id` or `id`.
 */
export function readLocations(path: string): Map<string, [number, number]> {
  const text = readFileSync(path, 'utf8');
  const out = new Map<string, [number, number]>();
  if (text.trimStart().startsWith('{')) {
    const fc = JSON.parse(text) as {
      features: {
        geometry: { type: string; coordinates: number[] };
        properties: Record<string, unknown>;
      }[];
    };
    for (const f of fc.features ?? []) {
      const id = String(f.properties?.sensor_id ?? f.properties?.id ?? '');
      if (f.geometry?.type === 'Point' && id)
        out.set(id, [f.geometry.coordinates[0]!, f.geometry.coordinates[1]!]);
    }
    return out;
  }
  const records = parse(text, { columns: true, skip_empty_lines: true, trim: true }) as Record<
    string,
    string
  >[];
  const pick = (r: Record<string, string>, names: string[]) => {
    for (const n of names) if (r[n] !== undefined) return r[n];
    return undefined;
  };
  for (const r of records) {
    const id = pick(r, ['sensor_id', 'sensor', 'id', 'external_id']);
    const lat = Number(pick(r, ['latitude', 'lat', 'y']));
    const lon = Number(pick(r, ['longitude', 'lon', 'lng', 'x']));
    if (id && Number.isFinite(lat) && Number.isFinite(lon)) out.set(id, [lon, lat]);
  }
  return out;
}

/** The 95th percentile of a column: for speeds, a fair stand-in for free-flow speed. */
export function percentile95(values: (number | null)[]): number | undefined {
  const v = values.filter((x): x is number => x !== null && x > 0).sort((a, b) => a - b);
  return v.length === 0 ? undefined : v[Math.min(v.length - 1, Math.floor(v.length * 0.95))];
}

export interface ReplayOptions {
  series: Series;
  url: string;
  /** An ingest key: sends the readings. */
  key: string;
  /**
   * An API token of a GIS user (issue #9: registering sensors is GIS staff's), needed only with
   * `locations` or a long series that carries its sensors' geometries.
   */
  token?: string;
  /** Time compression: 60 plays an hour of data per minute; 0 as fast as possible. */
  speed: number;
  prefix: string;
  kind: string;
  unit: string;
  locations?: Map<string, [number, number]>;
  log?: (message: string) => void;
  /** Readings per request, at most. */
  batch?: number;
}

export interface ReplayResult {
  registered: number;
  accepted: number;
  duplicate: number;
  rejected: number;
}

/**
 * Plays a series into a twin over HTTP, row by row at `speed`, registering the file's sensors
 * first (those with a location that the twin does not know yet). Retries on 503 (Retry-After).
 */
export async function replay(o: ReplayOptions): Promise<ReplayResult> {
  const log = o.log ?? (() => {});
  const headers = { Authorization: `Bearer ${o.key}`, 'Content-Type': 'application/json' };
  const result: ReplayResult = { registered: 0, accepted: 0, duplicate: 0, rejected: 0 };
  const locations = o.locations ?? o.series.locations;
  if (locations) {
    if (!o.token)
      throw new Error(
        "registering sensors (--locations, or the geometries of a long file) needs a GIS user's API token (--token, TWIN_TOKEN)",
      );
    const sensors: SensorRegistration[] = [];
    o.series.sensors.forEach((id, col) => {
      const loc = locations.get(id);
      if (!loc) return;
      sensors.push({
        external_id: `${o.prefix}${id}`,
        kind: o.kind,
        unit: o.unit,
        location: loc,
        reference_value: percentile95(o.series.rows.map((r) => r.values[col] ?? null)),
        interval_s: Math.max(1, Math.round(stepOf(o.series) / 1000)),
        attributes: {
          source_id: id,
          replayed: true,
          ...(o.series.lines?.has(id)
            ? { geometry: { type: 'LineString', coordinates: o.series.lines.get(id) } }
            : {}),
        },
      });
    });
    const res = await send(
      `${o.url}/api/sensors`,
      { ...headers, Authorization: `Bearer ${o.token}` },
      JSON.stringify(sensors),
    );
    const body = (await res.json()) as { created: number };
    result.registered = body.created;
    log(`sensors: ${body.created} registered, ${sensors.length - body.created} known`);
  }
  const first = o.series.rows[0]?.ts ?? 0;
  const started = Date.now();
  const batch = o.batch ?? 5000;
  let pending: ReadingInput[] = [];
  const flush = async () => {
    if (pending.length === 0) return;
    const res = await send(`${o.url}/api/ingest/readings`, headers, JSON.stringify(pending));
    const body = (await res.json()) as { accepted: number; duplicate: number; rejected: number };
    result.accepted += body.accepted;
    result.duplicate += body.duplicate;
    result.rejected += body.rejected;
    pending = [];
  };
  for (const [i, row] of o.series.rows.entries()) {
    if (o.speed > 0) {
      const due = started + (row.ts - first) / o.speed;
      if (due > Date.now()) {
        await flush();
        await new Promise((r) => setTimeout(r, due - Date.now()));
      }
    }
    row.values.forEach((value, col) => {
      if (value !== null)
        pending.push({ sensor: `${o.prefix}${o.series.sensors[col]}`, ts: row.ts, value });
    });
    if (pending.length >= batch || o.speed > 0) await flush();
    if (i % 100 === 99)
      log(`row ${i + 1}/${o.series.rows.length}: ${result.accepted} readings accepted`);
  }
  await flush();
  return result;
}

const stepOf = (s: Series) => (s.rows.length > 1 ? s.rows[1]!.ts - s.rows[0]!.ts : 300_000);

/** POSTs, retrying while the twin pushes back (503) or is briefly unreachable. */
async function send(url: string, headers: Record<string, string>, body: string): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    let res: Response | undefined;
    try {
      res = await fetch(url, { method: 'POST', headers, body });
    } catch (error) {
      if (attempt >= 20) throw error;
    }
    if (res && res.status !== 503) {
      if (!res.ok) throw new Error(`${url} answered ${res.status}: ${await res.text()}`);
      return res;
    }
    const wait = Number(res?.headers.get('Retry-After') ?? 1);
    await new Promise((r) => setTimeout(r, Math.min(30, Math.max(0.2, wait)) * 1000));
  }
}
