import { hostname } from 'node:os';
import { z } from 'zod';

/** Every setting the twin reads from the environment, validated once at start. */
export interface Config {
  port: number;
  host: string;
  /** postgres:// URL; undefined means the embedded PGlite + PostGIS database. */
  databaseUrl: string | undefined;
  /** `DATABASE_READ_URL`: streaming replicas for reads that may lag a moment (issue #16). */
  databaseReadUrls: string[];
  /** `TWIN_REPLICA_MAX_LAG_S`: a replica further behind is skipped until it catches up. */
  maxReplicaLagS: number;
  dataDir: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** `scale`: the demo city's size (1 = the default city; 10 ≈ ten times its buildings and roads). */
  demo: { enabled: boolean; seed: number; center: [number, number]; scale: number };
  tiles: {
    /** Bytes of gzip-compressed tiles kept in memory. */
    cacheBytes: number;
    /** Per-tile statement timeout, milliseconds. */
    timeoutMs: number;
    /** Cap on features per layer per tile. */
    maxFeatures: number;
    /** `Cache-Control: max-age` for tiles, seconds (clients revalidate with the ETag). */
    maxAgeS: number;
    /** Bytes of built tiles kept in `<dataDir>/tile-cache` (embedded database only; 0: none). */
    diskCacheBytes: number;
  };
  dbPoolSize: number;
  sensors: SensorConfig;
  imports: ImportConfig;
  auth: AuthConfig;
  impact: ImpactConfig;
  cameras: CameraConfig;
  /** Where the map opens (`TWIN_HOME`); null: on the densest cluster of the data (issue #10). */
  home: { center: [number, number]; zoom: number } | null;
  /**
   * The city's IANA time zone (`TWIN_TIME_ZONE`) for the sun study's clock; null: looked up
   * from the map's home centre (issue #12).
   */
  timeZone: string | null;
  /** Origins allowed to frame `/embed/*` (CSP `frame-ancestors` sources; `*` for any). */
  embedOrigins: string[];
  limits: LimitsConfig;
}

/** What one client may send or hold (issue #10 items 2-4, 8). */
export interface LimitsConfig {
  /** Largest JSON (or other non-upload) request body, bytes; uploads and ingest have their own. */
  maxBodyBytes: number;
  /** Deepest nesting of arrays and objects in a JSON body. */
  jsonMaxDepth: number;
  /** Longest string (or object key) in a JSON body, characters. */
  jsonMaxString: number;
  /** Server-sent event streams one client may hold, and all clients together (more: 503). */
  ssePerClient: number;
  sseTotal: number;
  /** Requests per client per minute, by kind (0: no limit). */
  rate: { signIn: number; writes: number; impacts: number; previews: number; ingest: number };
  /** Failed sign-ins of one account before each further try must wait (doubling, up to 15 min). */
  signInFailures: number;
  /** Proxies whose X-Forwarded-For/-Proto/-Host are believed (IPs or IPv4 CIDRs). */
  trustedProxies: string[];
}

/** Accounts, sessions and single sign-on (issue #9). */
export interface AuthConfig {
  /** The twin's public origin (`https://twin.example.org`); undefined: the request's own. */
  publicUrl: string | undefined;
  /** Cookies carry `Secure` when the public URL is https. */
  secureCookies: boolean;
  /** How long a session lasts from sign-in, seconds. */
  sessionTtlS: number;
  /** `Authorization: Bearer <token>` that may read /metrics (a scraper without an account). */
  metricsToken: string | undefined;
  /** Creates user `admin` with this password at start when no user exists. */
  adminPassword: string | undefined;
  oidc: OidcConfig | undefined;
}

export interface OidcConfig {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The ID token / userinfo claim holding group or role names. */
  roleClaim: string;
  /** Claim value → role; anyone matching none is `public`. */
  roles: Map<string, 'planner' | 'gis' | 'admin'>;
  scopes: string;
}

/** Scenario impacts (issues #10, #11): computed in worker threads through a bounded queue. */
export interface ImpactConfig {
  /** Worker threads computing impacts and baselines. */
  workers: number;
  /** Jobs that may wait; beyond, requests get 503 + Retry-After. */
  queueSize: number;
  /** Time budget per job, seconds; a job past it is stopped and fails. */
  timeoutS: number;
}

/** Data imports (issue #6): caps applied before and while a file is read. */
export interface ImportConfig {
  /** Largest upload or file, bytes. */
  maxFileBytes: number;
  /** Largest total uncompressed size of a zip archive, bytes. */
  maxUncompressedBytes: number;
  /** Most entries in a zip archive. */
  maxZipEntries: number;
  /** Largest uncompressed ÷ compressed size of a zip that expands past 256 MiB (zip bombs). */
  maxZipRatio: number;
  /** Disk space to leave free in the temporary directory after extracting, bytes. */
  diskReserveBytes: number;
  /** Import jobs running at once, and waiting beyond those (more: 503). */
  concurrency: number;
  maxQueued: number;
  /** Previews read at once (more: 503). */
  previewConcurrency: number;
  /** Seconds an import job's lease lasts (renewed every third of it while the job is open). */
  leaseS: number;
  /** Features one export may hold, and exports built at once (more: 503). */
  exportMaxFeatures: number;
  exportConcurrency: number;
}

/** Traffic camera frames (issue #17). */
export interface CameraConfig {
  /** Frames older than this many hours are deleted (`TWIN_CAMERA_RETENTION_H`). */
  retentionH: number;
  /** Largest frame one upload may carry, bytes (`TWIN_CAMERA_MAX_FRAME_KB`); larger: 413. */
  maxFrameBytes: number;
  /** Bytes of frames kept per camera (`TWIN_CAMERA_BUDGET_MB`); the oldest go first. */
  budgetBytes: number;
  /** Seconds between two frames of one simulated demo camera (`TWIN_CAMERA_FRAME_S`). */
  simulatorFrameS: number;
}

/** Live sensors (issue #4). */
export interface SensorConfig {
  /** mqtt:// URL of an external broker; undefined: start the in-process broker. */
  mqttUrl: string | undefined;
  /**
   * `NATS_URL` (issue #16): readings go through NATS JetStream (stream TWIN_SENSORS, one shared
   * durable consumer); MQTT devices publish to NATS's own MQTT listener. Undefined: MQTT/HTTP as before.
   */
  natsUrl: string | undefined;
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

const lonLat = z.string().transform((s, ctx) => {
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
/** An IANA time zone name the runtime knows, e.g. `Europe/Amsterdam`. */
const timeZone = z.string().refine(
  (tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  },
  { message: 'expected an IANA time zone, e.g. "Europe/Amsterdam"' },
);

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
  .refine(
    (list) =>
      list.length > 0 &&
      list.every(
        (o) => o === '*' || o === "'self'" || /^https?:\/\/(\*\.)?[a-z0-9.-]+(:\d{1,5})?$/i.test(o),
      ),
    {
      message: "'*', 'self' or origins such as https://city.example, comma-separated",
    },
  );

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
  DATABASE_READ_URL: z
    .string()
    .trim()
    .optional()
    .transform((s) =>
      (s ?? '')
        .split(',')
        .map((u) => u.trim())
        .filter((u) => u !== ''),
    )
    .refine((list) => list.every((u) => /^postgres(ql)?:\/\//.test(u)), {
      message: 'one or more postgres:// URLs, comma-separated',
    }),
  TWIN_REPLICA_MAX_LAG_S: int(0, 86_400).default(30),
  TWIN_DATA_DIR: z.string().min(1).default('./.twin-data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TWIN_DEMO: onOff.default('on'),
  TWIN_DEMO_SEED: int(0, 2 ** 31 - 1).default(42),
  TWIN_DEMO_CENTER: lonLat.default([5.1214, 52.0907]),
  TWIN_DEMO_SCALE: int(1, 100).default(1),
  TWIN_TILE_CACHE_MB: int(0, 65536).default(256),
  TWIN_TILE_TIMEOUT_MS: int(100, 600_000).default(5000),
  TWIN_TILE_MAX_FEATURES: int(1, 1_000_000).default(50_000),
  TWIN_TILE_MAX_AGE_S: int(0, 31_536_000).default(60),
  TWIN_TILE_DISK_CACHE_MB: int(0, 1_048_576).default(512),
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
  NATS_URL: z
    .string()
    .trim()
    .optional()
    .transform((s) => (s === '' ? undefined : s))
    .refine(
      (s) => s === undefined || s.split(',').every((u) => /^(nats|tls):\/\/[^\s]+$/.test(u.trim())),
      {
        message: 'one or more nats:// URLs, comma-separated',
      },
    ),
  TWIN_MQTT_PORT: int(0, 65535).default(1883),
  TWIN_MQTT_CLIENT_ID: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - only, at most 64')
    .default(
      `twin-${hostname()
        .replace(/[^A-Za-z0-9_.-]/g, '-')
        .slice(0, 40)}`,
    ),
  TWIN_MQTT_SHARE_GROUP: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ - only, at most 64')
    .default('twin'),
  TWIN_INGEST_KEYS: z
    .string()
    .default('')
    .transform((s) =>
      s
        .split(',')
        .map((k) => k.trim())
        .filter((k) => k !== ''),
    )
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
  TWIN_CAMERA_RETENTION_H: int(1, 24 * 365).default(24),
  TWIN_CAMERA_MAX_FRAME_KB: int(1, 64 * 1024).default(2048),
  TWIN_CAMERA_BUDGET_MB: int(1, 1024 * 1024).default(64),
  TWIN_CAMERA_FRAME_S: int(1, 86_400).default(30),
  TWIN_HOME: lonLatZoom.optional(),
  TWIN_TIME_ZONE: timeZone.optional(),
  TWIN_EMBED_ORIGINS: embedOrigins.default(['*']),
  TWIN_IMPORT_MAX_MB: int(1, 1_048_576).default(2048),
  TWIN_IMPORT_MAX_UNZIPPED_MB: int(1, 1_048_576).default(4096),
  TWIN_IMPORT_MAX_ZIP_ENTRIES: int(1, 1_000_000).default(10_000),
  TWIN_PUBLIC_URL: z
    .string()
    .trim()
    .optional()
    .transform((s) => (s === '' ? undefined : s))
    .refine((s) => s === undefined || /^https?:\/\/[^/]+/.test(s), {
      message: 'must be an http:// or https:// URL',
    }),
  TWIN_SESSION_HOURS: z.coerce
    .number()
    .min(0.001)
    .max(24 * 90)
    .default(12),
  TWIN_METRICS_TOKEN: z
    .string()
    .optional()
    .refine((s) => s === undefined || s.length >= 16, {
      message: 'must be at least 16 characters',
    }),
  TWIN_ADMIN_PASSWORD: z
    .string()
    .optional()
    .refine((s) => s === undefined || s.length >= 12, {
      message: 'must be at least 12 characters',
    }),
  TWIN_OIDC_ISSUER: z.url().optional(),
  TWIN_OIDC_CLIENT_ID: z.string().min(1).optional(),
  TWIN_OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  TWIN_OIDC_ROLE_CLAIM: z
    .string()
    .regex(/^[A-Za-z0-9_:./-]{1,100}$/)
    .default('groups'),
  TWIN_OIDC_ROLES: z
    .string()
    .default('')
    .transform((s, ctx) => {
      const roles = new Map<string, 'planner' | 'gis' | 'admin'>();
      for (const pair of s
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean)) {
        const [value, role] = pair.split('=').map((p) => p.trim());
        if (!value || (role !== 'planner' && role !== 'gis' && role !== 'admin')) {
          ctx.addIssue({
            code: 'custom',
            message: 'expected "claim-value=planner|gis|admin", comma-separated',
          });
          return z.NEVER;
        }
        roles.set(value, role);
      }
      return roles;
    }),
  TWIN_OIDC_SCOPES: z.string().default('openid profile email'),
  TWIN_IMPORT_MAX_ZIP_RATIO: int(2, 100_000).default(200),
  TWIN_IMPORT_DISK_RESERVE_MB: int(0, 1_000_000_000).default(512),
  TWIN_IMPORT_CONCURRENCY: int(1, 64).default(1),
  TWIN_IMPORT_MAX_QUEUED: int(0, 10_000).default(16),
  TWIN_PREVIEW_CONCURRENCY: int(1, 64).default(2),
  TWIN_IMPORT_LEASE_S: int(3, 3600).default(30),
  TWIN_EXPORT_MAX_FEATURES: int(1, 100_000_000).default(1_000_000),
  TWIN_EXPORT_CONCURRENCY: int(1, 64).default(2),
  TWIN_IMPACT_WORKERS: int(1, 64).default(1),
  TWIN_IMPACT_QUEUE: int(1, 10_000).default(16),
  TWIN_IMPACT_TIMEOUT_S: int(1, 3600).default(120),
  TWIN_MAX_BODY_KB: int(1, 1_048_576).default(2048),
  TWIN_JSON_MAX_DEPTH: int(2, 1000).default(32),
  TWIN_JSON_MAX_STRING: int(16, 100_000_000).default(100_000),
  TWIN_SSE_PER_CLIENT: int(1, 100_000).default(32),
  TWIN_SSE_TOTAL: int(1, 1_000_000).default(4000),
  TWIN_RATE_SIGNIN: int(0, 1_000_000).default(60),
  TWIN_RATE_WRITES: int(0, 10_000_000).default(1200),
  TWIN_RATE_IMPACTS: int(0, 10_000_000).default(600),
  TWIN_RATE_PREVIEWS: int(0, 10_000_000).default(120),
  TWIN_RATE_INGEST: int(0, 100_000_000).default(60_000),
  TWIN_SIGNIN_FAILURES: int(1, 1000).default(5),
  TWIN_TRUSTED_PROXIES: z
    .string()
    .default('')
    .transform((s) => s.split(/[\s,]+/).filter((p) => p !== ''))
    .refine((list) => list.every((p) => /^[0-9a-f:.]+(\/\d{1,3})?$/i.test(p)), {
      message: 'IP addresses or IPv4 CIDRs (10.0.0.0/8), comma-separated',
    }),
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
  const oidcVars = [e.TWIN_OIDC_ISSUER, e.TWIN_OIDC_CLIENT_ID, e.TWIN_OIDC_CLIENT_SECRET];
  if (oidcVars.some(Boolean) && !oidcVars.every(Boolean)) {
    throw new ConfigError(
      'invalid configuration:\n  TWIN_OIDC_ISSUER, TWIN_OIDC_CLIENT_ID and TWIN_OIDC_CLIENT_SECRET go together',
    );
  }
  if (e.TWIN_CAMERA_MAX_FRAME_KB > e.TWIN_CAMERA_BUDGET_MB * 1024) {
    throw new ConfigError(
      'invalid configuration:\n  TWIN_CAMERA_MAX_FRAME_KB must fit in TWIN_CAMERA_BUDGET_MB',
    );
  }
  if (e.DATABASE_READ_URL.length > 0 && !e.DATABASE_URL) {
    throw new ConfigError(
      'invalid configuration:\n  DATABASE_READ_URL: needs DATABASE_URL (replicas of a PostgreSQL primary)',
    );
  }
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    databaseReadUrls: e.DATABASE_READ_URL,
    maxReplicaLagS: e.TWIN_REPLICA_MAX_LAG_S,
    dataDir: e.TWIN_DATA_DIR,
    logLevel: e.LOG_LEVEL,
    demo: {
      enabled: e.TWIN_DEMO === 'on',
      seed: e.TWIN_DEMO_SEED,
      center: e.TWIN_DEMO_CENTER,
      scale: e.TWIN_DEMO_SCALE,
    },
    tiles: {
      cacheBytes: e.TWIN_TILE_CACHE_MB * 1024 * 1024,
      timeoutMs: e.TWIN_TILE_TIMEOUT_MS,
      maxFeatures: e.TWIN_TILE_MAX_FEATURES,
      maxAgeS: e.TWIN_TILE_MAX_AGE_S,
      diskCacheBytes: e.TWIN_TILE_DISK_CACHE_MB * 1024 * 1024,
    },
    dbPoolSize: e.TWIN_DB_POOL,
    sensors: {
      mqttUrl: e.MQTT_URL,
      natsUrl: e.NATS_URL,
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
    cameras: {
      retentionH: e.TWIN_CAMERA_RETENTION_H,
      maxFrameBytes: e.TWIN_CAMERA_MAX_FRAME_KB * 1024,
      budgetBytes: e.TWIN_CAMERA_BUDGET_MB * 1024 * 1024,
      simulatorFrameS: e.TWIN_CAMERA_FRAME_S,
    },
    imports: {
      maxFileBytes: e.TWIN_IMPORT_MAX_MB * 1024 * 1024,
      maxUncompressedBytes: e.TWIN_IMPORT_MAX_UNZIPPED_MB * 1024 * 1024,
      maxZipEntries: e.TWIN_IMPORT_MAX_ZIP_ENTRIES,
      maxZipRatio: e.TWIN_IMPORT_MAX_ZIP_RATIO,
      diskReserveBytes: e.TWIN_IMPORT_DISK_RESERVE_MB * 1024 * 1024,
      concurrency: e.TWIN_IMPORT_CONCURRENCY,
      maxQueued: e.TWIN_IMPORT_MAX_QUEUED,
      previewConcurrency: e.TWIN_PREVIEW_CONCURRENCY,
      leaseS: e.TWIN_IMPORT_LEASE_S,
      exportMaxFeatures: e.TWIN_EXPORT_MAX_FEATURES,
      exportConcurrency: e.TWIN_EXPORT_CONCURRENCY,
    },
    auth: {
      publicUrl: e.TWIN_PUBLIC_URL?.replace(/\/+$/, ''),
      secureCookies: e.TWIN_PUBLIC_URL?.startsWith('https://') ?? false,
      sessionTtlS: Math.round(e.TWIN_SESSION_HOURS * 3600),
      metricsToken: e.TWIN_METRICS_TOKEN,
      adminPassword: e.TWIN_ADMIN_PASSWORD,
      oidc: e.TWIN_OIDC_ISSUER
        ? {
            issuer: e.TWIN_OIDC_ISSUER,
            clientId: e.TWIN_OIDC_CLIENT_ID!,
            clientSecret: e.TWIN_OIDC_CLIENT_SECRET!,
            roleClaim: e.TWIN_OIDC_ROLE_CLAIM,
            roles: e.TWIN_OIDC_ROLES,
            scopes: e.TWIN_OIDC_SCOPES,
          }
        : undefined,
    },
    impact: {
      workers: e.TWIN_IMPACT_WORKERS,
      queueSize: e.TWIN_IMPACT_QUEUE,
      timeoutS: e.TWIN_IMPACT_TIMEOUT_S,
    },
    home: e.TWIN_HOME ?? null,
    timeZone: e.TWIN_TIME_ZONE ?? null,
    embedOrigins: e.TWIN_EMBED_ORIGINS,
    limits: {
      maxBodyBytes: e.TWIN_MAX_BODY_KB * 1024,
      jsonMaxDepth: e.TWIN_JSON_MAX_DEPTH,
      jsonMaxString: e.TWIN_JSON_MAX_STRING,
      ssePerClient: e.TWIN_SSE_PER_CLIENT,
      sseTotal: e.TWIN_SSE_TOTAL,
      rate: {
        signIn: e.TWIN_RATE_SIGNIN,
        writes: e.TWIN_RATE_WRITES,
        impacts: e.TWIN_RATE_IMPACTS,
        previews: e.TWIN_RATE_PREVIEWS,
        ingest: e.TWIN_RATE_INGEST,
      },
      signInFailures: e.TWIN_SIGNIN_FAILURES,
      trustedProxies: e.TWIN_TRUSTED_PROXIES,
    },
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
