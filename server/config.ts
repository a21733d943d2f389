import { hostname } from 'node:os';
import { z } from 'zod';

/** Every setting the twin reads from the environment, validated once at start. */
export interface Config {
  port: number;
  host: string;
  /** postgres:// URL; undefined means the embedded PGlite + PostGIS database. */
  databaseUrl: string | undefined;
  dataDir: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  demo: { enabled: boolean; seed: number; center: [number, number] };
  tiles: {
    /** Bytes of gzip-compressed tiles kept in memory. */
    cacheBytes: number;
    /** Per-tile statement timeout, milliseconds. */
    timeoutMs: number;
    /** Cap on features per layer per tile. */
    maxFeatures: number;
    /** `Cache-Control: max-age` for tiles, seconds (clients revalidate with the ETag). */
    maxAgeS: number;
  };
  dbPoolSize: number;
  sensors: SensorConfig;
  imports: ImportConfig;
  /** Where the map opens (`TWIN_HOME`); null: on the densest cluster of the data (issue #10). */
  home: { center: [number, number]; zoom: number } | null;
  /** Origins allowed to frame `/embed/*` (CSP `frame-ancestors` sources; `*` for any). */
  embedOrigins: string[];
}

/** Data imports (issue #6): caps applied before and while a file is read. */
export interface ImportConfig {
  /** Largest upload or file, bytes. */
  maxFileBytes: number;
  /** Largest total uncompressed size of a zip archive, bytes. */
  maxUncompressedBytes: number;
  /** Most entries in a zip archive. */
  maxZipEntries: number;
}

/** Live sensors (issue #4). */
export interface SensorConfig {
  /** mqtt:// URL of an external broker; undefined: start the in-process broker. */
  mqttUrl: string | undefined;
  /** `TWIN_MQTT=off` turns MQTT ingest off entirely. */
  mqttEnabled: boolean;
  /** Port of the in-process broker (used only without `mqttUrl`; 0: any free port). */
  mqttPort: number;
  /** Fixed per instance, so the broker keeps this instance's session across restarts. */
  mqttClientId: string;
  /**
   * Shared-subscription group: instances in one group split the stream. Undefined (`off`): a
   * plain subscription — for a single instance whose broker must keep its messages across the
   * broker's own restart (Mosquitto 2.0 does not persist shared subscriptions).
   */
  mqttShareGroup: string | undefined;
  /** Plaintext ingest keys from `TWIN_INGEST_KEYS`, besides those stored hashed in the DB. */
  ingestKeys: string[];
  /** Most readings one HTTP request may carry. */
  maxBatch: number;
  /** Readings accepted but not yet committed, across all sources; beyond it ingest pushes back. */
  maxInFlight: number;
  /** Readings stamped further than this into the future are rejected, seconds. */
  maxFutureS: number;
  simulator: boolean;
  /** Seconds between two readings of one simulated sensor. */
  simulatorPeriodS: number;
  /** Days of demo history generated when the demo city is seeded (0: none). */
  demoHistoryDays: number;
  /** Readings older than this many days are dropped (by partition); 0 keeps everything. */
  retentionDays: number;
}

const onOff = z.enum(['on', 'off']);

const lonLat = z
  .string()
  .transform((s, ctx) => {
    const parts = s.split(',').map((p) => Number(p.trim()));
    const [lon, lat] = parts;
    if (parts.length !== 2 || !Number.isFinite(lon) || !Number.isFinite(lat)) {
      ctx.addIssue({ code: 'custom', message: 'expected "lon,lat", e.g. "5.1214,52.0907"' });
      return z.NEVER;
    }
    if (Math.abs(lon!) > 180 || Math.abs(lat!) > 80) {
      ctx.addIssue({ code: 'custom', message: 'longitude must be within ±180 and latitude ±80' });
      return z.NEVER;
    }
    return [lon!, lat!] as [number, number];
  });

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** `lon,lat,zoom`, e.g. `5.1214,52.0907,13`. */
const lonLatZoom = z.string().transform((s, ctx) => {
  const parts = s.split(',').map((p) => Number(p.trim()));
  const [lon, lat, zoom] = parts as [number, number, number];
  if (parts.length !== 3 || !parts.every(Number.isFinite)) {
    ctx.addIssue({ code: 'custom', message: 'expected "lon,lat,zoom", e.g. "5.1214,52.0907,13"' });
    return z.NEVER;
  }
  if (Math.abs(lon) > 180 || Math.abs(lat) > 85 || zoom < 0 || zoom > 22) {
    ctx.addIssue({ code: 'custom', message: 'longitude within ±180, latitude ±85, zoom 0–22' });
    return z.NEVER;
  }
  return { center: [lon, lat] as [number, number], zoom };
});

/**
 * `TWIN_EMBED_ORIGINS`: `*`, or a comma-separated list of origins (`https://city.example`) and
 * CSP host sources (`https://*.example.org`) allowed to frame the embeds.
 */
const embedOrigins = z
  .string()
  .transform((s) => s.split(/[\s,]+/).filter((o) => o !== ''))
  .refine((list) => list.length > 0 && list.every((o) => o === '*' || o === "'self'" || /^https?:\/\/(\*\.)?[a-z0-9.-]+(:\d{1,5})?$/i.test(o)), {
    message: "'*', 'self' or origins such as https://city.example, comma-separated",
  });

const EnvSchema = z.object({
  PORT: int(0, 65535).default(8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z
    .string()
    .trim()
    .optional()
    .transform((s) => (s === '' ? undefined : s))
    .refine((s) => s === undefined || /^postgres(ql)?:\/\//.test(s), {
      message: 'must start with postgres:// or postgresql://',
    }),
  TWIN_DATA_DIR: z.string().min(1).default('./.twin-data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TWIN_DEMO: onOff.default('on'),
  TWIN_DEMO_SEED: int(0, 2 ** 31 - 1).default(42),
  TWIN_DEMO_CENTER: lonLat.default([5.1214, 52.0907]),
  TWIN_TILE_CACHE_MB: int(0, 65536).default(256),
  TWIN_TILE_TIMEOUT_MS: int(100, 600_000).default(5000),
  TWIN_TILE_MAX_FEATURES: int(1, 1_000_000).default(50_000),
  TWIN_TILE_MAX_AGE_S: int(0, 31_536_000).default(60),
  TWIN_DB_POOL: int(1, 200).default(10),
  MQTT_URL: z
    .string()
    .trim()
    .optional()
    .transform((s) => (s === '' ? undefined : s))
    .refine((s) => s === undefined || /^mqtts?:\/\//.test(s), {
      message: 'must start with mqtt:// or mqtts://',
    }),
  TWIN_MQTT: onOff.default('on'),
  TWIN_MQTT_PORT: int(0, 65535).default(1883),
  TWIN_MQTT_CLIENT_ID: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - only, at most 64')
    .default(`twin-${hostname().replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 40)}`),
  TWIN_MQTT_SHARE_GROUP: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ - only, at most 64')
    .default('twin'),
  TWIN_INGEST_KEYS: z
    .string()
    .default('')
    .transform((s) => s.split(',').map((k) => k.trim()).filter((k) => k !== ''))
    .refine((keys) => keys.every((k) => k.length >= 16), {
      message: 'each key must be at least 16 characters',
    }),
  TWIN_INGEST_MAX_BATCH: int(1, 100_000).default(10_000),
  TWIN_INGEST_MAX_IN_FLIGHT: int(100, 10_000_000).default(100_000),
  TWIN_INGEST_MAX_FUTURE_S: int(0, 86_400 * 365).default(300),
  TWIN_SIMULATOR: onOff.default('on'),
  TWIN_SIMULATOR_PERIOD_S: int(1, 86_400).default(60),
  TWIN_DEMO_HISTORY_DAYS: int(0, 90).default(7),
  TWIN_RETENTION_DAYS: int(0, 36_500).default(0),
  TWIN_HOME: lonLatZoom.optional(),
  TWIN_EMBED_ORIGINS: embedOrigins.default(['*']),
  TWIN_IMPORT_MAX_MB: int(1, 1_048_576).default(2048),
  TWIN_IMPORT_MAX_UNZIPPED_MB: int(1, 1_048_576).default(4096),
  TWIN_IMPORT_MAX_ZIP_ENTRIES: int(1, 1_000_000).default(10_000),
});

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Reads and validates the configuration. Throws a `ConfigError` whose message lists every bad
 * variable, with the reason; values are never echoed (a URL may hold a password).
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.TWIN_DATA_DIR,
    logLevel: e.LOG_LEVEL,
    demo: { enabled: e.TWIN_DEMO === 'on', seed: e.TWIN_DEMO_SEED, center: e.TWIN_DEMO_CENTER },
    tiles: {
      cacheBytes: e.TWIN_TILE_CACHE_MB * 1024 * 1024,
      timeoutMs: e.TWIN_TILE_TIMEOUT_MS,
      maxFeatures: e.TWIN_TILE_MAX_FEATURES,
      maxAgeS: e.TWIN_TILE_MAX_AGE_S,
    },
    dbPoolSize: e.TWIN_DB_POOL,
    sensors: {
      mqttUrl: e.MQTT_URL,
      mqttEnabled: e.TWIN_MQTT === 'on',
      mqttPort: e.TWIN_MQTT_PORT,
      mqttClientId: e.TWIN_MQTT_CLIENT_ID,
      mqttShareGroup: e.TWIN_MQTT_SHARE_GROUP === 'off' ? undefined : e.TWIN_MQTT_SHARE_GROUP,
      ingestKeys: e.TWIN_INGEST_KEYS,
      maxBatch: e.TWIN_INGEST_MAX_BATCH,
      maxInFlight: e.TWIN_INGEST_MAX_IN_FLIGHT,
      maxFutureS: e.TWIN_INGEST_MAX_FUTURE_S,
      simulator: e.TWIN_SIMULATOR === 'on',
      simulatorPeriodS: e.TWIN_SIMULATOR_PERIOD_S,
      demoHistoryDays: e.TWIN_DEMO_HISTORY_DAYS,
      retentionDays: e.TWIN_RETENTION_DAYS,
    },
    imports: {
      maxFileBytes: e.TWIN_IMPORT_MAX_MB * 1024 * 1024,
      maxUncompressedBytes: e.TWIN_IMPORT_MAX_UNZIPPED_MB * 1024 * 1024,
      maxZipEntries: e.TWIN_IMPORT_MAX_ZIP_ENTRIES,
    },
    home: e.TWIN_HOME ?? null,
    embedOrigins: e.TWIN_EMBED_ORIGINS,
  };
}

/** A database URL fit for logs: the password replaced by `***`. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<unparseable database URL>';
  }
}
