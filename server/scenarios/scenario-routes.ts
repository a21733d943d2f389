import { Hono } from 'hono';
import type { Kysely } from 'kysely';
import type { z } from 'zod';
import type { Database } from '../db/schema';
import { ApiError } from '../errors';
import { loadFactors } from '../impact/factors';
import { FACTORS } from '../../common/impact-models';
import {
  describeIssues,
  DuplicateSchema,
  EditSchema,
  FactorUpdateSchema,
  ScenarioCreateSchema,
  ScenarioUpdateSchema,
} from './edit-schema';
import type { ImpactService } from './impact-service';
import { editsGeoJson, impactCsv } from './scenario-export';
import {
  addEdit,
  createScenario,
  deleteScenario,
  duplicateScenario,
  findScenario,
  listEdits,
  listScenarios,
  parseEditId,
  parseScenarioId,
  removeEdit,
  replaceEdit,
  updateScenario,
} from './scenario-store';

export interface ScenarioRoutesOptions {
  db: Kysely<Database>;
  impacts: ImpactService;
}

async function body<S extends z.ZodType>(req: { json(): Promise<unknown> }, schema: S): Promise<z.infer<S>> {
  let raw: unknown;
  try {
    raw = await req.json();
  } catch {
    throw new ApiError(400, 'bad_request', 'the body must be JSON');
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new ApiError(400, 'bad_request', describeIssues(parsed.error));
  return parsed.data;
}

/**
 * `/api/scenarios` (issue #5):
 *   GET / · POST / · GET /{id} · PATCH /{id} · DELETE /{id} · POST /{id}/duplicate
 *   GET /{id}/edits · POST /{id}/edits · PUT|PATCH /{id}/edits/{editId} · DELETE /{id}/edits/{editId}
 *   GET /{id}/export?format=geojson|csv|json
 * (the impact routes, GET /{id}/impact…, are in impact-routes.ts)
 */
export function scenarioRoutes({ db, impacts }: ScenarioRoutesOptions) {
  const id = (raw: string) => parseScenarioId(raw);
  return new Hono()
    .get('/', async (c) => c.json({ scenarios: await listScenarios(db) }))
    .post('/', async (c) => {
      const input = await body(c.req, ScenarioCreateSchema);
      const s = await createScenario(db, input);
      return c.json({ ...s, version: Number(s.version), edits: [] }, 201);
    })
    .get('/:id', async (c) => {
      const sid = id(c.req.param('id'));
      const s = await findScenario(db, sid);
      return c.json({ ...s, edits: await listEdits(db, sid) });
    })
    .patch('/:id', async (c) => {
      const sid = id(c.req.param('id'));
      return c.json(await updateScenario(db, sid, await body(c.req, ScenarioUpdateSchema)));
    })
    .delete('/:id', async (c) => {
      await deleteScenario(db, id(c.req.param('id')));
      return c.body(null, 204);
    })
    .post('/:id/duplicate', async (c) => {
      const sid = id(c.req.param('id'));
      const text = await c.req.text();
      const input = text.trim() ? await body({ json: async () => JSON.parse(text) }, DuplicateSchema) : {};
      const copy = await duplicateScenario(db, sid, input.name);
      return c.json({ ...copy, edits: await listEdits(db, copy.id) }, 201);
    })
    .get('/:id/edits', async (c) => {
      const sid = id(c.req.param('id'));
      await findScenario(db, sid);
      return c.json({ edits: await listEdits(db, sid) });
    })
    .post('/:id/edits', async (c) => {
      const sid = id(c.req.param('id'));
      const edit = await body(c.req, EditSchema);
      await findScenario(db, sid);
      return c.json(await addEdit(db, sid, edit, await loadFactors(db)), 201);
    })
    .on(['PUT', 'PATCH'], '/:id/edits/:editId', async (c) => {
      const sid = id(c.req.param('id'));
      const eid = parseEditId(c.req.param('editId'));
      const edit = await body(c.req, EditSchema);
      return c.json(await replaceEdit(db, sid, eid, edit, await loadFactors(db)));
    })
    .delete('/:id/edits/:editId', async (c) => {
      const sid = id(c.req.param('id'));
      return c.json(await removeEdit(db, sid, parseEditId(c.req.param('editId'))));
    })
    .get('/:id/export', async (c) => {
      const sid = id(c.req.param('id'));
      const format = c.req.query('format') ?? 'geojson';
      const s = await findScenario(db, sid);
      const file = `scenario-${s.id}-v${s.version}`;
      if (format === 'geojson') {
        c.header('Content-Disposition', `attachment; filename="${file}.geojson"`);
        c.header('Content-Type', 'application/geo+json');
        return c.body(JSON.stringify(await editsGeoJson(db, sid)));
      }
      if (format === 'json' || format === 'csv') {
        const result = await impacts.result(sid, impacts.timeoutMs);
        c.header('Content-Disposition', `attachment; filename="${file}-impact.${format}"`);
        if (format === 'json') return c.json(result);
        c.header('Content-Type', 'text/csv; charset=utf-8');
        return c.body(impactCsv(result));
      }
      throw new ApiError(400, 'bad_request', 'format must be geojson, csv or json');
    });
}

/** `/api/impact-factors`: GET / (every factor with value, unit, source) · PUT /{key} {value, source?, unit?}. */
export function impactFactorRoutes({ db }: { db: Kysely<Database> }) {
  return new Hono()
    .get('/', async (c) => c.json({ factors: (await loadFactors(db)).all() }))
    .put('/:key', async (c) => {
      const key = c.req.param('key');
      if (!/^[a-z][a-z0-9_.]{0,99}$/.test(key)) throw new ApiError(400, 'bad_request', 'factor keys look like residential.dwelling_size_m2');
      const input = await body(c.req, FactorUpdateSchema);
      const range = (FACTORS as Record<string, { unit: string; min: number; max: number } | undefined>)[key];
      if (range && (input.value < range.min || input.value > range.max)) {
        throw new ApiError(400, 'bad_request', `${key} must be from ${range.min} to ${range.max} ${range.unit}`);
      }
      // Divisors (storey height, dwelling size, m² per job, power factor) must stay positive.
      const divisor = /(storey_height_m|dwelling_size_m2|m2_per_job|power_factor)$/.test(key);
      if (input.value < 0 || (divisor && input.value === 0)) {
        throw new ApiError(400, 'bad_request', divisor ? `${key} must be greater than 0` : `${key} must not be negative`);
      }
      const row = await db
        .updateTable('impact_factors')
        .set((eb) => ({
          value: input.value,
          ...(input.source ? { source: input.source } : {}),
          ...(input.unit ? { unit: input.unit } : {}),
          version: eb('version', '+', 1),
          updated_at: new Date(),
        }))
        .where('key', '=', key)
        .returning(['key', 'value', 'unit', 'description', 'source', 'version', 'updated_at'])
        .executeTakeFirst();
      if (!row) throw new ApiError(404, 'not_found', `no impact factor ${key}`);
      return c.json({ ...row, value: Number(row.value), version: Number(row.version) });
    });
}
