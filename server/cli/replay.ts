import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readLocations, readSeries, replay } from '../sensors/replay';

const USAGE = `usage: npm run replay -- <file.csv> [--speed 60] [--locations file] [--url http://localhost:8080]
         [--key KEY] [--token TOKEN] [--columns ids.txt] [--step 300] [--end ISO] [--kind traffic_speed] [--unit mph]
         [--prefix replay-]

Plays a wide CSV time series (a header of sensor ids, optionally a first time column; one row per
step) or a long one (rows of sensor,ts,value, optionally a wkt/geometry, lon/lat or encoded
polyline column per sensor, which then registers the sensors) into a running twin's ingest API. --speed 60 plays an hour per minute, 0 as fast as it can.
Without a time column rows are --step seconds apart and the series ends at --end (default now).
--locations (CSV sensor_id,latitude,longitude or GeoJSON points) registers sensors that are new;
that needs a GIS user's API token (--token or TWIN_TOKEN; npm run users -- token <name>).
The ingest key: --key, TWIN_INGEST_KEY, or the embedded twin's TWIN_DATA_DIR/ingest-key.txt.

Example (METR-LA, 207 Los Angeles freeway sensors, 7 days at 5 minutes):
  npm run replay -- ../shared/data/metr-la/los_speed.csv --unit mph --prefix metr-la- \\
    --locations ../shared/data/metr-la/graph_sensor_locations.csv --speed 600`;

let args;
try {
  args = parseArgs({
    allowPositionals: true,
    options: {
      speed: { type: 'string', default: '60' },
      locations: { type: 'string' },
      url: { type: 'string', default: `http://localhost:${process.env.PORT ?? 8080}` },
      key: { type: 'string' },
      token: { type: 'string' },
      columns: { type: 'string' },
      step: { type: 'string', default: '300' },
      end: { type: 'string' },
      kind: { type: 'string', default: 'traffic_speed' },
      unit: { type: 'string', default: '' },
      prefix: { type: 'string', default: 'replay-' },
      help: { type: 'boolean', default: false },
    },
  });
} catch (error) {
  console.error(`${(error as Error).message}\n\n${USAGE}`);
  process.exit(2);
}
const { values: o, positionals } = args;
const token = o.token ?? process.env.TWIN_TOKEN;
if (o.locations && !token) {
  console.error(
    "--locations registers sensors, which needs a GIS user's API token: --token or TWIN_TOKEN (npm run users -- token <name>)",
  );
  process.exit(2);
}
const speed = Number(o.speed);
const step = Number(o.step);
const end = o.end ? Date.parse(o.end) : Date.now();
if (o.help || positionals.length !== 1 || !(speed >= 0) || !(step > 0) || !Number.isFinite(end)) {
  console.error(USAGE);
  process.exit(o.help ? 0 : 2);
}
const keyFile = join(process.env.TWIN_DATA_DIR ?? './.twin-data', 'ingest-key.txt');
const key =
  o.key ??
  process.env.TWIN_INGEST_KEY ??
  (existsSync(keyFile) ? readFileSync(keyFile, 'utf8').trim() : '');
if (!key) {
  console.error(
    `no ingest key: pass --key, set TWIN_INGEST_KEY, or start the embedded twin (it writes ${keyFile})`,
  );
  process.exit(2);
}
try {
  const columns = o.columns
    ? readFileSync(o.columns, 'utf8')
        .split(/[\s,]+/)
        .filter(Boolean)
    : undefined;
  const series = readSeries(readFileSync(positionals[0]!, 'utf8'), { stepS: step, end, columns });
  const locations = o.locations ? readLocations(o.locations) : undefined;
  if (series.locations && !token) {
    console.error(
      "the file's geometries register sensors, which needs a GIS user's API token: --token or TWIN_TOKEN (npm run users -- token <name>)",
    );
    process.exit(2);
  }
  console.error(
    `replaying ${series.sensors.length} sensors × ${series.rows.length} rows ` +
      `(${new Date(series.rows[0]!.ts).toISOString()} … ${new Date(series.rows.at(-1)!.ts).toISOString()}) ` +
      `into ${o.url} at ${speed === 0 ? 'full speed' : `${speed}×`}`,
  );
  const result = await replay({
    series,
    url: o.url,
    key,
    token,
    speed,
    prefix: o.prefix,
    kind: o.kind,
    unit: o.unit,
    locations,
    log: (m) => console.error(m),
  });
  console.log(JSON.stringify(result));
} catch (error) {
  console.error(`replay failed: ${(error as Error).message}`);
  process.exit(1);
}
