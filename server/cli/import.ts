import { writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { LayerCatalog } from '../../tiles/catalog';
import type { ImportJob, ImportMode } from '../../common/api-types';
import { ImportRequestError, ImportService } from '../imports/import-service';
import { FORMATS, type Format } from '../imports/formats';
import { TWIN_LAYERS } from '../imports/parse';
import { CLI_ACTOR } from '../auth/principal';
import { parseCommandLine, runCommand, withDatabase } from './cli-support';

const USAGE = `usage: npm run import -- <file> --layer <name> [--map field=expr …] [--srs EPSG:n]
         [--mode replace|append|upsert] [--name text] [--source text] [--licence text]
         [--format ${FORMATS.join('|')}]
         [--lod 2] [--parts merge|keep] [--report file.json]

  --layer   ${TWIN_LAYERS.join(', ')}, or a new custom layer name (a-z, 0-9, _)
  --map     a target field from an expression, repeatable: --map height_m=height_roof*0.3048
  --srs     the file's CRS when it declares none (or declares a wrong one), e.g. EPSG:28992
  --mode    replace (default: the previous import of the same --name), append, or upsert by source id
  --srs     also an OGC URN or URL (http://www.opengis.net/def/crs/EPSG/0/2056), a WKT or PROJJSON
  --lod     3D city models: the LoD to read (2: the best 2.x; 1.3: the best up to 1.3); default the best ≤ 2
  --parts   3D city models: merge BuildingParts into their building (default) or keep each as a building`;

/** `npm run import`: loads one file into the configured database, with progress and a report. */
async function main(): Promise<number> {
  const args = parseCommandLine(USAGE, {
    layer: { type: 'string' },
    map: { type: 'string', multiple: true, default: [] },
    srs: { type: 'string' },
    mode: { type: 'string', default: 'replace' },
    name: { type: 'string' },
    source: { type: 'string' },
    licence: { type: 'string', default: 'unspecified' },
    format: { type: 'string' },
    report: { type: 'string' },
    lod: { type: 'string' },
    parts: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (!args) return 2;
  const { values: o, positionals } = args;
  if (o.help || positionals.length !== 1 || !o.layer) {
    console.error(USAGE);
    return o.help ? 0 : 2;
  }
  const file = resolve(positionals[0]!);
  const layer = o.layer;
  return withDatabase(
    async ({ backend, config }) => {
      try {
        const service = new ImportService({
          backend,
          catalog: new LayerCatalog(),
          limits: config.imports,
          leaseS: config.imports.leaseS,
        });
        const bar = progressBar();
        const { job, done } = await service.submit({
          path: file,
          fileName: basename(file),
          layer,
          mode: o.mode as ImportMode,
          mapping: o.map ?? [],
          srs: o.srs,
          format: o.format as Format | undefined,
          name: o.name ?? basename(file),
          source: o.source ?? `file: ${basename(file)}`,
          licence: o.licence ?? 'unspecified',
          actor: CLI_ACTOR,
          lod: o.lod,
          buildingParts: o.parts as 'merge' | 'keep' | undefined,
        });
        service.live(job.id)?.events.on('progress', bar);
        const result = await done;
        bar(result, true);
        printReport(result);
        const row = await backend.db
          .selectFrom('import_jobs')
          .select('report')
          .where('id', '=', job.id)
          .executeTakeFirst();
        const report = row?.report as {
          features?: { idx: number; source_id: string | null; status: string; reason: string }[];
          renamed_fields?: { field: string; column: string }[];
        } | null;
        for (const r of report?.renamed_fields ?? [])
          console.log(`  field "${r.field}" is a reserved column name: stored as ${r.column}`);
        const problems = report?.features ?? [];
        for (const f of problems.slice(0, 20))
          console.log(
            `  feature ${f.idx}${f.source_id ? ` (${f.source_id})` : ''}: ${f.status}: ${f.reason}`,
          );
        if (problems.length > 20) console.log(`  … ${problems.length - 20} more in the report`);
        if (o.report && report) {
          writeFileSync(o.report, JSON.stringify(report, null, 2));
          console.log(`report written to ${o.report}`);
        }
        return result.status === 'succeeded' ? 0 : 1;
      } catch (error) {
        if (error instanceof ImportRequestError) {
          console.error(`import refused: ${error.message}`);
          return 2;
        }
        throw error;
      }
    },
    { poolSize: 2, onProgress: (m) => console.error(m) },
  );
}

/** One line on stderr, redrawn: phase, a bar of bytes read, features so far. */
function progressBar() {
  let last = 0;
  return (v: ImportJob, final = false) => {
    if (!process.stderr.isTTY && !final) return;
    const now = Date.now();
    if (!final && now - last < 100) return;
    last = now;
    const p = v.progress;
    const share = p.totalBytes > 0 ? Math.min(1, p.bytes / p.totalBytes) : 0;
    const width = 30;
    const filled = Math.round(share * width);
    const line = `${p.phase.padEnd(10)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(share * 100).toFixed(0).padStart(3)}%  ${p.features.toLocaleString('en')} features`;
    process.stderr.write(process.stderr.isTTY ? `\r${line}${final ? '\n' : ''}` : `${line}\n`);
  };
}

function printReport(v: ImportJob): void {
  if (v.status !== 'succeeded') {
    console.log(`import FAILED: ${v.error}`);
    console.log('nothing was changed in the database');
    return;
  }
  const c = v.counts!;
  console.log(
    `imported ${v.file_name} (${v.format}, ${v.crs}) into layer ${v.layer} as dataset ${v.dataset_id} [${v.mode}]`,
  );
  console.log(`  accepted ${c.accepted}, repaired ${c.repaired}, rejected ${c.rejected}`);
  console.log(
    v.extent
      ? `  extent (WGS84 lon/lat): ${v.extent.map((x) => x.toFixed(5)).join(', ')}`
      : '  extent: none (nothing loaded)',
  );
  console.log(`  report: GET /api/datasets/${v.id}/report`);
}

await runCommand(main, 'import failed');
