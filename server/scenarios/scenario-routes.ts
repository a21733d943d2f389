import { Hono, type Context } from 'hono';
import type { Kysely, Transaction } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../schema/database';
import { ApiError } from '../errors';
import { PageQuery, pageOf, pageRows } from '../limits/pagination';
import { loadFactors } from '../impact/factors';
import { FACTORS } from '../../common/impact-models';
import { valid } from '../validate';
import { rowId, ScenarioParam, scenarioId } from '../params';
import { inTransaction, recordAudit } from '../auth/audit';
import { actorOf, isStaff, principalOf, viewerOf, type Principal } from '../auth/principal';
import {
  DuplicateSchema,
  EditSchema,
  FactorUpdateSchema,
  ScenarioCreateSchema,
  ScenarioUpdateSchema,
} from './edit-schema';
import type { ImpactService } from './impact-service';
import type { Feature } from 'geojson';
import type { ExportService } from '../exports/export-service';
import { columnsOf } from '../exports/export-tables';
import { sendExport } from '../exports/export-routes';
import { editsGeoJson, impactCsv, publicImpact } from './scenario-export';
import {
  addEdit,
  createScenario,
  deleteScenario,
  duplicateScenario,
  findScenarioFor,
  listEdits,
  listScenarios,
  listShares,
  removeEdit,
  replaceEdit,
  replaceShares,
  updateScenario,
} from './scenario-store';

export interface ScenarioRoutesOptions {
  db: Kysely<Database>;
  impacts: ImpactService;
  /** GeoPackage and FlatGeobuf exports of the edits (issue #15). */
  exports?: ExportService;
}

const SharesSchema = z
  .object({
    shares: z
      .array(
        z.object({ user: z.string().min(1).max(100), access: z.enum(['read', 'edit']) }).strict(),
      )
      .max(500),
  })
  .strict();

/** `/{id}/edits/{editId}`. */
const EditParam = z.object({ id: scenarioId, editId: rowId('edit id') });

const EXPORT_FORMATS = ['geojson', 'gpkg', 'fgb', 'csv', 'json'] as const;
/** `?format=` of a scenario export (gpkg and fgb where the twin has an export service). */
const ExportQuery = z.object({
  format: z
    .enum(EXPORT_FORMATS, { message: `format must be one of ${EXPORT_FORMATS.join(', ')}` })
    .default('geojson'),
});

/** `/{key}` of an impact factor, e.g. residential.dwelling_size_m2. */
const FactorParam = z.object({
  key: z
    .string()
    .regex(/^[a-z][a-z0-9_.]{0,99}$/, 'factor keys look like residential.dwelling_size_m2'),
});

/**
 * The owner a create or update asks for: the caller, or (admin only) another account by name.
 */
async function ownerFor(
  db: Kysely<Database> | Transaction<Database>,
  p: Principal,
  requested: string | null | undefined,
) {
  const self = p.kind === 'user' ? { id: p.user.id, name: p.user.name } : null;
  if (requested === undefined || requested === null || requested === self?.name) return undefined;
  if (p.kind !== 'user' || p.user.role !== 'admin')
    throw new ApiError(403, 'forbidden', 'only an admin may give a scenario to another user');
  const u = await db
    .selectFrom('users')
    .select(['id', 'name', 'role'])
    .where('name', '=', requested)
    .executeTakeFirst();
  if (!u || u.role === 'public') throw new ApiError(400, 'bad_request', `no planner ${requested}`);
  return { id: String(u.id), name: u.name };
}

/**
 * `/api/scenarios` (issue #5; rights from issue #9):
 *   GET / · POST / · GET /{id} · PATCH /{id} · DELETE /{id} · POST /{id}/duplicate
 *   GET /{id}/edits · POST /{id}/edits · PUT|PATCH /{id}/edits/{editId} · DELETE /{id}/edits/{editId}
 *   GET /{id}/export?format=geojson|gpkg|fgb|csv|json · GET|PUT /{id}/shares
 * (the impact routes, GET /{id}/impact…, are in impact-routes.ts, with the same access rules)
 * Who sees and changes which scenario is `scenarioAccessSql` (server/auth): every read and
 * change goes through `findScenarioFor`; every change writes its audit row in its transaction.
 */
export function scenarioRoutes({ db, impacts, exports }: ScenarioRoutesOptions) {
  const who = (c: Context) => {
    const p = principalOf(c);
    return { p, viewer: viewerOf(p), actor: actorOf(p) };
  };
  /** The scenario as answered: its fields, its edits, and what the caller may do with it. */
  const answer = async (
    dbx: Kysely<Database> | Transaction<Database>,
    row: { id: string; access: string } & Record<string, unknown>,
  ) => {
    const { owner_id: _ownerId, ...scenario } = row;
    return { ...scenario, version: Number(row.version), edits: await listEdits(dbx, row.id) };
  };
  return new Hono()
    .get('/', valid('query', PageQuery), async (c) => {
      const page = pageOf(c.req.valid('query'));
      const { items, next } = pageRows(await listScenarios(db, who(c).viewer, page), page);
      return c.json({ scenarios: items, next });
    })
    .post('/', valid('json', ScenarioCreateSchema), async (c) => {
      const { p, actor } = who(c);
      const input = c.req.valid('json');
      const s = await inTransaction(db, async (trx) => {
        const owner =
          (await ownerFor(trx, p, input.owner)) ??
          (p.kind === 'user' ? { id: p.user.id, name: p.user.name } : { id: null, name: null });
        const row = await createScenario(trx, input, owner);
        await recordAudit(trx, {
          actor,
          action: 'scenario.create',
          targetType: 'scenario',
          targetId: row.id,
          details: { name: row.name, owner: owner.name },
        });
        return row;
      });
      return c.json({ ...s, version: Number(s.version), access: 'edit', edits: [] }, 201);
    })
    .get('/:id', valid('param', ScenarioParam), async (c) => {
      const s = await findScenarioFor(db, c.req.valid('param').id, who(c).viewer, 'read');
      return c.json(await answer(db, s));
    })
    .patch(
      '/:id',
      valid('param', ScenarioParam),
      valid('json', ScenarioUpdateSchema),
      async (c) => {
        const { p, viewer, actor } = who(c);
        const sid = c.req.valid('param').id;
        const patch = c.req.valid('json');
        const result = await inTransaction(db, async (trx) => {
          const before = await findScenarioFor(trx, sid, viewer, 'edit');
          const owner = await ownerFor(trx, p, patch.owner);
          const { owner: _o, ...rest } = patch;
          const after = await updateScenario(trx, sid, { ...rest, ...(owner ? { owner } : {}) });
          const changed = Object.fromEntries(
            Object.entries({
              name: after.name,
              description: after.description,
              owner: after.owner,
            }).filter(([k, v]) => (before as Record<string, unknown>)[k] !== v),
          );
          if (patch.status && patch.status !== before.status) {
            await recordAudit(trx, {
              actor,
              action: patch.status === 'published' ? 'scenario.publish' : 'scenario.unpublish',
              targetType: 'scenario',
              targetId: sid,
              details: { name: after.name, version: after.version },
            });
          }
          if (Object.keys(changed).length > 0) {
            await recordAudit(trx, {
              actor,
              action: 'scenario.update',
              targetType: 'scenario',
              targetId: sid,
              details: changed,
            });
          }
          return { ...after, access: before.access };
        });
        return c.json(result);
      },
    )
    .delete('/:id', valid('param', ScenarioParam), async (c) => {
      const { viewer, actor } = who(c);
      const sid = c.req.valid('param').id;
      await inTransaction(db, async (trx) => {
        const s = await findScenarioFor(trx, sid, viewer, 'edit');
        await deleteScenario(trx, sid);
        await recordAudit(trx, {
          actor,
          action: 'scenario.delete',
          targetType: 'scenario',
          targetId: sid,
          details: { name: s.name, owner: s.owner },
        });
      });
      return c.body(null, 204);
    })
    .post(
      '/:id/duplicate',
      valid('param', ScenarioParam),
      valid('json', DuplicateSchema),
      async (c) => {
        const { p, viewer, actor } = who(c);
        const sid = c.req.valid('param').id;
        const input = c.req.valid('json');
        const owner =
          p.kind === 'user' ? { id: p.user.id, name: p.user.name } : { id: null, name: null };
        const copy = await inTransaction(db, async (trx) => {
          await findScenarioFor(trx, sid, viewer, 'edit');
          const row = await duplicateScenario(trx, sid, input.name, owner);
          await recordAudit(trx, {
            actor,
            action: 'scenario.create',
            targetType: 'scenario',
            targetId: row.id,
            details: { name: row.name, duplicate_of: sid },
          });
          return row;
        });
        return c.json({ ...copy, access: 'edit', edits: await listEdits(db, copy.id) }, 201);
      },
    )
    .get('/:id/edits', valid('param', ScenarioParam), async (c) => {
      const sid = c.req.valid('param').id;
      await findScenarioFor(db, sid, who(c).viewer, 'read');
      return c.json({ edits: await listEdits(db, sid) });
    })
    .post('/:id/edits', valid('param', ScenarioParam), valid('json', EditSchema), async (c) => {
      const { viewer, actor } = who(c);
      const sid = c.req.valid('param').id;
      const edit = c.req.valid('json');
      const factors = await loadFactors(db);
      const result = await inTransaction(db, async (trx) => {
        await findScenarioFor(trx, sid, viewer, 'edit');
        const r = await addEdit(trx, sid, edit, factors);
        await recordAudit(trx, {
          actor,
          action: 'scenario.edit',
          targetType: 'scenario',
          targetId: sid,
          details: { op: 'add', edit_id: r.edit.id, kind: edit.kind, version: r.version },
        });
        return r;
      });
      return c.json(result, 201);
    })
    .on(
      ['PUT', 'PATCH'],
      '/:id/edits/:editId',
      valid('param', EditParam),
      valid('json', EditSchema),
      async (c) => {
        const { viewer, actor } = who(c);
        const sid = c.req.valid('param').id;
        const eid = c.req.valid('param').editId;
        const edit = c.req.valid('json');
        const factors = await loadFactors(db);
        const result = await inTransaction(db, async (trx) => {
          await findScenarioFor(trx, sid, viewer, 'edit');
          const r = await replaceEdit(trx, sid, eid, edit, factors);
          await recordAudit(trx, {
            actor,
            action: 'scenario.edit',
            targetType: 'scenario',
            targetId: sid,
            details: { op: 'replace', edit_id: eid, kind: edit.kind, version: r.version },
          });
          return r;
        });
        return c.json(result);
      },
    )
    .delete('/:id/edits/:editId', valid('param', EditParam), async (c) => {
      const { viewer, actor } = who(c);
      const sid = c.req.valid('param').id;
      const eid = c.req.valid('param').editId;
      const result = await inTransaction(db, async (trx) => {
        await findScenarioFor(trx, sid, viewer, 'edit');
        const r = await removeEdit(trx, sid, eid);
        await recordAudit(trx, {
          actor,
          action: 'scenario.edit',
          targetType: 'scenario',
          targetId: sid,
          details: { op: 'remove', edit_id: eid, version: r.version },
        });
        return r;
      });
      return c.json(result);
    })
    .get('/:id/export', valid('param', ScenarioParam), valid('query', ExportQuery), async (c) => {
      const { p, viewer } = who(c);
      const sid = c.req.valid('param').id;
      const { format } = c.req.valid('query');
      const s = await findScenarioFor(db, sid, viewer, 'read');
      const file = `scenario-${s.id}-v${s.version}`;
      if (format === 'geojson') {
        c.header('Content-Disposition', `attachment; filename="${file}.geojson"`);
        c.header('Content-Type', 'application/geo+json');
        return c.body(JSON.stringify(await editsGeoJson(db, sid)));
      }
      if ((format === 'gpkg' || format === 'fgb') && exports) {
        const edits = await editsGeoJson(db, sid);
        const features = edits.features as unknown as Feature[];
        return sendExport(c, `${file}-edits`, format, () =>
          exports.exportFeatures(
            { name: 'scenario_edits', geometryType: 'GEOMETRY', columns: columnsOf(features) },
            features,
            format,
          ),
        );
      }
      if (format === 'json' || format === 'csv') {
        const full = await impacts.result(sid, impacts.timeoutMs);
        const result = isStaff(p) ? full : publicImpact(full);
        c.header('Content-Disposition', `attachment; filename="${file}-impact.${format}"`);
        if (format === 'json') return c.json(result);
        c.header('Content-Type', 'text/csv; charset=utf-8');
        return c.body(impactCsv(result));
      }
      throw new ApiError(400, 'bad_request', 'format must be geojson, csv or json');
    })
    .get('/:id/shares', valid('param', ScenarioParam), async (c) => {
      const sid = c.req.valid('param').id;
      await findScenarioFor(db, sid, who(c).viewer, 'edit');
      return c.json({ shares: await listShares(db, sid) });
    })
    .put('/:id/shares', valid('param', ScenarioParam), valid('json', SharesSchema), async (c) => {
      const { viewer, actor } = who(c);
      const sid = c.req.valid('param').id;
      const { shares } = c.req.valid('json');
      const result = await inTransaction(db, async (trx) => {
        const s = await findScenarioFor(trx, sid, viewer, 'edit');
        await replaceShares(trx, sid, s.owner_id, shares);
        await recordAudit(trx, {
          actor,
          action: 'scenario.share',
          targetType: 'scenario',
          targetId: sid,
          details: { shares },
        });
        return listShares(trx, sid);
      });
      return c.json({ shares: result });
    });
}

/** `/api/impact-factors`: GET / (every factor with value, unit, source) · PUT /{key} {value, source?, unit?} (admin). */
export function impactFactorRoutes({ db }: { db: Kysely<Database> }) {
  return (
    new Hono()
      // Each factor with its declared range (issue #10): what PUT accepts, in the factor's unit.
      .get('/', async (c) =>
        c.json({
          factors: (await loadFactors(db)).all().map((f) => {
            const range = (FACTORS as Record<string, { min: number; max: number } | undefined>)[
              f.key
            ];
            return range ? { ...f, min: range.min, max: range.max } : f;
          }),
        }),
      )
      .put('/:key', valid('param', FactorParam), valid('json', FactorUpdateSchema), async (c) => {
        const { key } = c.req.valid('param');
        const input = c.req.valid('json');
        const range = (
          FACTORS as Record<string, { unit: string; min: number; max: number } | undefined>
        )[key];
        // Every factor has a declared range and unit (common/impact-models.ts); none: no such factor.
        if (!range) throw new ApiError(404, 'not_found', `no impact factor ${key}`);
        if (input.value < range.min || input.value > range.max) {
          throw new ApiError(
            400,
            'bad_request',
            `${key} must be from ${range.min} to ${range.max} ${range.unit}`,
          );
        }
        // Divisors (storey height, dwelling size, m² per job, power factor) must stay positive.
        const divisor = /(storey_height_m|dwelling_size_m2|m2_per_job|power_factor)$/.test(key);
        if (input.value < 0 || (divisor && input.value === 0)) {
          throw new ApiError(
            400,
            'bad_request',
            divisor ? `${key} must be greater than 0` : `${key} must not be negative`,
          );
        }
        const actor = actorOf(principalOf(c));
        const row = await inTransaction(db, async (trx) => {
          const before = await trx
            .selectFrom('impact_factors')
            .select(['value', 'source', 'unit'])
            .where('key', '=', key)
            .forUpdate()
            .executeTakeFirst();
          if (!before) throw new ApiError(404, 'not_found', `no impact factor ${key}`);
          const after = await trx
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
            .executeTakeFirstOrThrow();
          await recordAudit(trx, {
            actor,
            action: 'factor.update',
            targetType: 'impact_factor',
            targetId: key,
            details: {
              from: Number(before.value),
              to: input.value,
              ...(input.source ? { source: input.source } : {}),
              ...(input.unit ? { unit: input.unit } : {}),
            },
          });
          return after;
        });
        return c.json({ ...row, value: Number(row.value), version: Number(row.version) });
      })
  );
}
