import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { BACKENDS, HAS_POSTGRES } from '../support/backends';
import { createTestTwin } from '../support/twin';
import { ImportBusyError, ImportService } from '../../server/imports/import-service';
import { createApp } from '../../server/app';
import { loadConfig } from '../../server/config';
import { createLogger } from '../../server/log';
import {
  FIXTURES,
  gisRequest,
  importTwin,
  runImport,
  scratchDir,
  snapshot,
  writeFile,
} from './support';
import { cornerSquare } from '../support/requests';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** A small square's GeoJSON coordinates, `d` degrees a side from its south-west corner. */
const square = (x: number, y: number, d = 0.0001) => cornerSquare(x, y, d).coordinates;

/** A GeoJSON of `n` small buildings in Utrecht, written in a stream (for slow imports). */
async function bigGeoJson(dir: string, n: number): Promise<string> {
  const path = join(dir, `big-${n}.geojson`);
  const out = createWriteStream(path);
  out.write('{"type":"FeatureCollection","features":[\n');
  for (let i = 0; i < n; i++) {
    const x = 5.08 + (i % 400) * 0.0002,
      y = 52.06 + Math.floor(i / 400) * 0.0002;
    out.write(
      `${i ? ',' : ''}{"type":"Feature","id":"b${i}","properties":{"height":${5 + (i % 30)}},"geometry":{"type":"Polygon","coordinates":${JSON.stringify(square(x, y))}}}\n`,
    );
  }
  out.write(']}\n');
  await new Promise<void>((resolve, reject) =>
    out.end((e?: Error | null) => (e ? reject(e) : resolve())),
  );
  return path;
}

/**
 * An honest zip bomb: one entry of `bytes` zero bytes, deflated, with its true sizes and CRC in
 * the headers (what `zip` would write).
 */
function zipOfZeros(bytes: number): Buffer {
  const zeros = Buffer.alloc(bytes);
  const data = deflateRawSync(zeros, { level: 9 });
  const crc = crc32(zeros);
  const name = Buffer.from('zeros.shp');
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(bytes, 22);
  local.writeUInt16LE(name.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(bytes, 24);
  central.writeUInt16LE(name.length, 28);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(46 + name.length, 12);
  end.writeUInt32LE(30 + name.length + data.length, 16);
  return Buffer.concat([local, name, data, central, name, end]);
}

describe.each(BACKENDS)('import jobs that tell the truth on %s (issue #10)', (kind) => {
  const ctx = importTwin(kind);

  it('a start fails only open jobs whose lease expired, not those whose owner renews it', async () => {
    const db = ctx.twin.backend.db;
    const job = (owner: string | null, lease: string | null, status: 'queued' | 'running') =>
      db
        .insertInto('import_jobs')
        .values({
          name: `lease ${owner}`,
          layer: 'buildings',
          mode: 'append',
          source: 't',
          licence: 't',
          file_name: 'f.geojson',
          progress: '{}',
          status,
          owner,
          lease_expires_at: lease === null ? null : sql<Date>`now() + ${lease}::interval`,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
    const alive = await job('cli-host:123:abcd', '1 minute', 'running');
    const waiting = await job('cli-host:123:abcd', '1 minute', 'queued');
    const dead = await job('old-host:9:dead', '-5 seconds', 'running');
    const legacy = await job(null, null, 'queued');
    const other = new ImportService({
      backend: ctx.twin.backend,
      catalog: ctx.twin.tiles.catalog,
      limits: ctx.twin.config.imports,
    });
    expect(await other.recoverInterrupted()).toBe(2);
    const status = async (id: string) =>
      await db
        .selectFrom('import_jobs')
        .select(['status', 'error'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
    expect(await status(alive.id)).toEqual({ status: 'running', error: null });
    expect(await status(waiting.id)).toEqual({ status: 'queued', error: null });
    expect(await status(dead.id)).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/interrupted.*nothing was changed/),
    });
    expect((await status(legacy.id)).status).toBe('failed');
    await db.deleteFrom('import_jobs').where('id', 'in', [alive.id, waiting.id]).execute();
  });

  it('renews the lease of a running job, and a second service started meanwhile leaves it to finish', async () => {
    const file = await bigGeoJson(ctx.dir, 20_000);
    const { job, done } = await ctx.twin.imports.submit({
      path: file,
      fileName: 'big.geojson',
      layer: 'buildings',
      mode: 'append',
      mapping: [],
      name: 'lease run',
      source: 't',
      licence: 't',
    });
    const row = await ctx.twin.backend.db
      .selectFrom('import_jobs')
      .select(['owner', 'lease_expires_at'])
      .where('id', '=', job.id)
      .executeTakeFirstOrThrow();
    expect(row.owner).toBe(ctx.twin.imports.owner);
    expect(new Date(row.lease_expires_at!).getTime()).toBeGreaterThan(Date.now());
    expect(await ctx.twin.imports.renewLeases()).toBeGreaterThanOrEqual(1);
    const restarted = new ImportService({
      backend: ctx.twin.backend,
      catalog: ctx.twin.tiles.catalog,
      limits: ctx.twin.config.imports,
    });
    expect(await restarted.recoverInterrupted()).toBe(0);
    const result = await done;
    expect(result.status).toBe('succeeded');
    expect(result.counts!.accepted).toBe(20_000);
    const finished = await ctx.twin.backend.db
      .selectFrom('import_jobs')
      .select(['status', 'lease_expires_at'])
      .where('id', '=', job.id)
      .executeTakeFirstOrThrow();
    expect(finished).toEqual({ status: 'succeeded', lease_expires_at: null });
  });

  it('removes temporary files of jobs whose process died, at start, and keeps those of live ones', async () => {
    const deadPid = spawnSync(process.execPath, ['-e', '0']).pid!;
    const orphan = join(tmpdir(), `twin-import-${deadPid}-Ab12Cd`);
    const upload = join(tmpdir(), `twin-upload-${deadPid}-Zz99Yy`);
    const mine = join(tmpdir(), `twin-import-${process.pid}-Qq11Ww`);
    for (const d of [orphan, upload, mine]) {
      mkdirSync(d, { recursive: true });
      writeFileSync(join(d, 'stage.copy'), 'x');
    }
    const other = await createApp({
      backend: ctx.twin.backend,
      config: loadConfig({ LOG_LEVEL: 'silent', TWIN_DEMO: 'off' }),
      log: createLogger('silent'),
    });
    expect(other.imports).toBeDefined();
    expect(existsSync(orphan)).toBe(false);
    expect(existsSync(upload)).toBe(false);
    expect(existsSync(mine)).toBe(true);
    spawnSync('rm', ['-rf', mine]);
  });

  it('deletes a dataset and all its features in one transaction (DELETE /api/datasets/{id})', async () => {
    const file = writeFile(
      ctx.dir,
      'three.geojson',
      JSON.stringify({
        type: 'FeatureCollection',
        features: [0, 1, 2].map((i) => ({
          type: 'Feature',
          id: `d${i}`,
          properties: { height: 10 },
          geometry: { type: 'Polygon', coordinates: square(5.13 + i * 0.001, 52.1) },
        })),
      }),
    );
    const job = await runImport(ctx.twin, file, { layer: 'buildings', name: 'to delete' });
    const version = async () =>
      Number(
        (
          await ctx.twin.backend.db
            .selectFrom('layer_versions')
            .select('version')
            .where('layer', '=', 'buildings')
            .executeTakeFirstOrThrow()
        ).version,
      );
    const before = await version();
    // Deleting is GIS staff's (issue #9): refused below, with nothing deleted.
    expect(
      (await ctx.twin.app.request(`/api/datasets/${job.dataset_id}`, { method: 'DELETE' })).status,
    ).toBe(401);
    expect(
      (
        await ctx.twin.app.request(`/api/datasets/${job.dataset_id}`, {
          method: 'DELETE',
          headers: await ctx.twin.as('planner'),
        })
      ).status,
    ).toBe(403);
    expect(await version()).toBe(before);
    const res = await gisRequest(ctx.twin, `/api/datasets/${job.dataset_id}`, { method: 'DELETE' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      id: job.dataset_id,
      name: 'to delete',
      deleted: { buildings: 3 },
    });
    expect(
      Number(
        (
          await sql<{
            n: string;
          }>`SELECT count(*)::text AS n FROM buildings WHERE dataset_id = ${job.dataset_id}`.execute(
            ctx.twin.backend.db,
          )
        ).rows[0]!.n,
      ),
    ).toBe(0);
    expect(await version()).toBeGreaterThan(before);
    const list = (await (await gisRequest(ctx.twin, '/api/datasets')).json()) as {
      datasets: { id: string }[];
    };
    expect(list.datasets.map((d) => d.id)).not.toContain(job.dataset_id);
    // The job keeps its history.
    expect(
      (await (await gisRequest(ctx.twin, `/api/datasets/${job.id}`)).json()) as {
        job: { status: string };
      },
    ).toMatchObject({ job: { status: 'succeeded' } });
    expect(
      (await gisRequest(ctx.twin, `/api/datasets/${job.dataset_id}`, { method: 'DELETE' })).status,
    ).toBe(404);
    expect(
      (await gisRequest(ctx.twin, '/api/datasets/99999999999999999999', { method: 'DELETE' }))
        .status,
    ).toBe(404);
  });

  it("deletes nothing when another dataset's lines end on the dataset's nodes (409)", async () => {
    const line = (id: string, coords: [number, number][]) => ({
      type: 'Feature',
      id,
      properties: { highway: 'residential' },
      geometry: { type: 'LineString', coordinates: coords },
    });
    const a = writeFile(
      ctx.dir,
      'a.geojson',
      JSON.stringify({
        type: 'FeatureCollection',
        features: [
          line('ra', [
            [5.14, 52.1],
            [5.141, 52.1],
          ]),
        ],
      }),
    );
    const b = writeFile(
      ctx.dir,
      'b.geojson',
      JSON.stringify({
        type: 'FeatureCollection',
        features: [
          line('rb', [
            [5.141, 52.1],
            [5.142, 52.1],
          ]),
        ],
      }),
    );
    const first = await runImport(ctx.twin, a, { layer: 'roads', name: 'shared street' });
    const second = await runImport(ctx.twin, b, {
      layer: 'roads',
      name: 'shared street',
      mode: 'upsert',
    });
    expect(second.error).toBeNull();
    const before = await snapshot(ctx.twin.backend);
    const audited = async () =>
      (
        await sql<{
          n: string;
        }>`SELECT count(*)::text AS n FROM audit_log WHERE action = 'dataset.delete'`.execute(
          ctx.twin.backend.db,
        )
      ).rows[0]!.n;
    const auditedBefore = await audited();
    const res = await gisRequest(ctx.twin, `/api/datasets/${first.dataset_id}`, {
      method: 'DELETE',
    });
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(
      /refer to this dataset.*nothing was deleted/,
    );
    expect(await snapshot(ctx.twin.backend)).toEqual(before);
    // Its audit row shared the rolled-back transaction (issue #9).
    expect(await audited()).toBe(auditedBefore);
  });
});

describe.each(BACKENDS)('import limits on %s (issue #10)', (kind) => {
  const ctx = importTwin(kind, {
    TWIN_IMPORT_MAX_QUEUED: '0',
    TWIN_PREVIEW_CONCURRENCY: '1',
  });

  it('refuses an honest 300 MiB zip bomb from its headers, before extracting anything', async () => {
    const bomb = writeFile(ctx.dir, 'bomb.zip', zipOfZeros(300 * 1024 ** 2));
    expect(readFileSync(bomb).length).toBeLessThan(2 * 1024 ** 2);
    const before = await snapshot(ctx.twin.backend);
    const job = await runImport(ctx.twin, bomb, { layer: 'buildings', name: 'bomb' });
    expect(job.status).toBe('failed');
    expect(job.error).toMatch(/would expand \d+-fold \(0\.\d MiB → 300 MiB\); at most 200-fold/);
    expect(await snapshot(ctx.twin.backend)).toEqual(before);
  });

  it('refuses to extract when the disk would keep less than the reserve free', async () => {
    const tight = await createTestTwin(kind, { TWIN_IMPORT_DISK_RESERVE_MB: '1000000000' });
    try {
      const job = await runImport(tight, join(FIXTURES, 'panden-rd.zip'), {
        layer: 'buildings',
        name: 'tight',
        mapping: ['height_m=hoogte'],
      });
      expect(job.status).toBe('failed');
      expect(job.error).toMatch(
        /not enough free disk space to extract the archive: it expands to .* MiB are free/,
      );
    } finally {
      await tight.dispose();
    }
  });

  it('answers 503 when the import queue is full and when previews are busy, storing nothing', async () => {
    const file = await bigGeoJson(ctx.dir, 20_000);
    const running = await ctx.twin.imports.submit({
      path: file,
      fileName: 'big.geojson',
      layer: 'buildings',
      mode: 'append',
      mapping: [],
      name: 'queue',
      source: 't',
      licence: 't',
    });
    await expect(runImport(ctx.twin, file, { layer: 'buildings', name: 'second' })).rejects.toThrow(
      ImportBusyError,
    );
    const form = new FormData();
    form.append('layer', 'buildings');
    form.append('file', new Blob([readFileSync(file)]), 'big.geojson');
    const res = await gisRequest(ctx.twin, '/api/datasets', { method: 'POST', body: form });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBeTruthy();
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(
      /import queue is full/,
    );
    await running.done;
    const preview = () => {
      const f = new FormData();
      f.append('file', new Blob([readFileSync(file)]), 'big.geojson');
      return gisRequest(ctx.twin, '/api/datasets/preview', { method: 'POST', body: f });
    };
    const statuses = (await Promise.all([preview(), preview(), preview()]))
      .map((r) => r.status)
      .sort();
    expect(statuses[0]).toBe(200);
    expect(statuses.filter((s) => s === 503).length).toBeGreaterThanOrEqual(1);
  });
});

describe.skipIf(!HAS_POSTGRES)(
  'a server start during a CLI import on postgres (needs DATABASE_URL: skipped without it)',
  () => {
    const ctx = importTwin('postgres');

    it("leaves the CLI's job running and its commit stands", async () => {
      const file = await bigGeoJson(scratchDir(), 60_000);
      const cli = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          join(ROOT, 'server/cli/import.ts'),
          file,
          '--layer',
          'buildings',
          '--name',
          'cli import',
          '--mode',
          'append',
        ],
        {
          cwd: ROOT,
          env: {
            ...process.env,
            DATABASE_URL: ctx.twin.url!,
            LOG_LEVEL: 'silent',
            TWIN_IMPORT_LEASE_S: '3',
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let output = '';
      cli.stdout.on('data', (d) => (output += d));
      cli.stderr.on('data', (d) => (output += d));
      const exited = new Promise<number>((resolve) =>
        cli.on('exit', (code) => resolve(code ?? -1)),
      );
      const db = ctx.twin.backend.db;
      let job: { id: string; status: string } | undefined;
      for (let i = 0; i < 600 && job?.status !== 'running'; i++) {
        job = await db
          .selectFrom('import_jobs')
          .select(['id', 'status'])
          .where('name', '=', 'cli import')
          .executeTakeFirst();
        if (job?.status !== 'running') await new Promise((r) => setTimeout(r, 50));
      }
      expect(job?.status).toBe('running');
      // Longer than the lease: only the CLI's heartbeat keeps the job alive.
      await new Promise((r) => setTimeout(r, 4000));
      const server = await createApp({
        backend: ctx.twin.backend,
        config: loadConfig({ LOG_LEVEL: 'silent', TWIN_DEMO: 'off' }),
        log: createLogger('silent'),
      });
      expect(server.imports).toBeDefined();
      const during = await db
        .selectFrom('import_jobs')
        .select(['status', 'error'])
        .where('id', '=', job!.id)
        .executeTakeFirstOrThrow();
      expect(during.error).toBeNull();
      expect(['running', 'succeeded']).toContain(during.status);
      expect(await exited).toBe(0);
      const after = await db
        .selectFrom('import_jobs')
        .select(['status', 'dataset_id'])
        .where('id', '=', job!.id)
        .executeTakeFirstOrThrow();
      expect(after.status).toBe('succeeded');
      const n = await sql<{
        n: string;
      }>`SELECT count(*)::text AS n FROM buildings WHERE dataset_id = ${after.dataset_id}`.execute(
        db,
      );
      expect(Number(n.rows[0]!.n)).toBe(60_000);
      expect(output).toMatch(/accepted 60000/);
      // The CLI acts as `cli` in the audit log, the row written with the load (issue #9).
      const row = await db
        .selectFrom('audit_log')
        .select(['actor', 'role', 'target_id'])
        .where('action', '=', 'import.load')
        .where('target_id', '=', String(after.dataset_id))
        .execute();
      expect(row).toEqual([{ actor: 'cli', role: 'system', target_id: String(after.dataset_id) }]);
    }, 240_000);
  },
);
