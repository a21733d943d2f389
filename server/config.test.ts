import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, redactUrl } from './config';

describe('configuration', () => {
  it('has defaults that run the embedded twin on port 8080', () => {
    const c = loadConfig({});
    expect(c.port).toBe(8080);
    expect(c.databaseUrl).toBeUndefined();
    expect(c.dataDir).toBe('./.twin-data');
    expect(c.demo).toEqual({ enabled: true, seed: 42, center: [5.1214, 52.0907], scale: 1 });
    expect(c.tiles.diskCacheBytes).toBe(512 * 1024 * 1024);
  });

  it('reads every variable', () => {
    const c = loadConfig({
      PORT: '9000',
      DATABASE_URL: 'postgres://u:p@db:5432/twin',
      TWIN_DATA_DIR: '/tmp/x',
      LOG_LEVEL: 'debug',
      TWIN_DEMO: 'off',
      TWIN_DEMO_CENTER: '-73.98, 40.75',
      TWIN_TILE_CACHE_MB: '0',
      TWIN_TILE_DISK_CACHE_MB: '0',
      TWIN_DEMO_SCALE: '10',
    });
    expect(c).toMatchObject({ port: 9000, dataDir: '/tmp/x', logLevel: 'debug' });
    expect(c.demo.enabled).toBe(false);
    expect(c.demo.center).toEqual([-73.98, 40.75]);
    expect(c.tiles.cacheBytes).toBe(0);
    expect(c.tiles.diskCacheBytes).toBe(0);
    expect(c.demo.scale).toBe(10);
  });

  it('names every bad variable in one clear error without echoing secrets', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://u:hunter2@x/db', TWIN_DEMO_CENTER: '1' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/PORT/);
    expect(message).toMatch(/DATABASE_URL: must start with postgres:\/\//);
    expect(message).toMatch(/TWIN_DEMO_CENTER/);
    expect(message).not.toContain('hunter2');
  });

  it('treats an empty DATABASE_URL as unset', () => {
    expect(loadConfig({ DATABASE_URL: '' }).databaseUrl).toBeUndefined();
  });

  it('redacts the password of a database URL', () => {
    expect(redactUrl('postgres://twin:s3cret@db:5432/twin')).toBe(
      'postgres://twin:***@db:5432/twin',
    );
    expect(redactUrl('postgres://db/twin')).toBe('postgres://db/twin');
  });

  it('reads the home view, embed origins, demo history and retention', () => {
    const c = loadConfig({
      TWIN_HOME: '4.9, 52.37, 14.5',
      TWIN_EMBED_ORIGINS: 'https://city.example, https://*.news.example',
      TWIN_DEMO_HISTORY_DAYS: '0',
      TWIN_RETENTION_DAYS: '90',
    });
    expect(c.home).toEqual({ center: [4.9, 52.37], zoom: 14.5 });
    expect(c.embedOrigins).toEqual(['https://city.example', 'https://*.news.example']);
    expect(c.sensors.demoHistoryDays).toBe(0);
    expect(c.sensors.retentionDays).toBe(90);
    const defaults = loadConfig({});
    expect(defaults.home).toBeNull();
    expect(defaults.timeZone).toBeNull();
    expect(loadConfig({ TWIN_TIME_ZONE: 'America/New_York' }).timeZone).toBe('America/New_York');
    expect(defaults.embedOrigins).toEqual(['*']);
    expect(defaults.sensors.demoHistoryDays).toBe(7);
  });

  it('refuses a malformed home or embed origin', () => {
    expect(() => loadConfig({ TWIN_HOME: '4.9,52.37' })).toThrow(/TWIN_HOME/);
    expect(() => loadConfig({ TWIN_HOME: '4.9,95,12' })).toThrow(/TWIN_HOME/);
    expect(() => loadConfig({ TWIN_TIME_ZONE: 'Mars/Olympus_Mons' })).toThrow(/TWIN_TIME_ZONE/);
    expect(() => loadConfig({ TWIN_EMBED_ORIGINS: 'javascript:alert(1)' })).toThrow(
      /TWIN_EMBED_ORIGINS/,
    );
    expect(() =>
      loadConfig({ TWIN_EMBED_ORIGINS: "https://ok.example; script-src 'unsafe-inline'" }),
    ).toThrow(/TWIN_EMBED_ORIGINS/);
  });

  it('reads one or more read replicas, only with a primary (issue #16)', () => {
    const c = loadConfig({
      DATABASE_URL: 'postgres://u:p@primary:5432/twin',
      DATABASE_READ_URL: 'postgres://u:p@r1:5432/twin, postgresql://u:p@r2:5432/twin',
      TWIN_REPLICA_MAX_LAG_S: '3',
    });
    expect(c.databaseReadUrls).toEqual([
      'postgres://u:p@r1:5432/twin',
      'postgresql://u:p@r2:5432/twin',
    ]);
    expect(c.maxReplicaLagS).toBe(3);
    expect(loadConfig({}).databaseReadUrls).toEqual([]);
    expect(() => loadConfig({ DATABASE_READ_URL: 'postgres://r1/twin' })).toThrow(
      /DATABASE_READ_URL: needs DATABASE_URL/,
    );
    expect(() =>
      loadConfig({ DATABASE_URL: 'postgres://p/twin', DATABASE_READ_URL: 'mysql://r1/twin' }),
    ).toThrow(/DATABASE_READ_URL/);
  });
});
