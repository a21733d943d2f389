import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../../schema/database';
import { ApiError } from '../errors';
import { inTransaction } from '../auth/audit';
import type { FactorSet } from '../impact/factors';
import { mainUse } from '../impact/yield';
import type { Edit } from './edit-schema';
import type { Viewer } from '../auth/principal';
import { requireScenarioAccess, scenarioAccessSql } from '../auth/scenario-access';
import type { ScenarioAccess, ScenarioStatus } from '../../common/scenario-types';

/**
 * Scenarios and their edits. The baseline tables are only ever read here: every edit is a row of
 * `scenario_edits` (copy-on-write overlay), and every change to the edits bumps the scenario's
 * version in the same transaction.
 */

type Db = Kysely<Database> | Transaction<Database>;

const SCENARIO_COLUMNS = [
  'id',
  'name',
  'description',
  'owner',
  'status',
  'version',
  'parent_id',
  'published_at',
  'created_at',
  'updated_at',
] as const;

export type ScenarioRow = Awaited<ReturnType<typeof findScenario>>;

export async function findScenario(db: Db, id: string) {
  const row = await db
    .selectFrom('scenarios')
    .select(SCENARIO_COLUMNS)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw new ApiError(404, 'not_found', `no scenario ${id}`);
  return { ...row, version: Number(row.version) };
}

/**
 * The scenario with what `viewer` may do with it (issue #9): 404 when they may not see it, 403
 * when they need `edit` and may only read. Locks the row when editing, so a concurrent share
 * change or delete cannot slip between the check and the change.
 */
export async function findScenarioFor(db: Db, id: string, viewer: Viewer, need: ScenarioAccess) {
  let q = db
    .selectFrom('scenarios')
    .select([...SCENARIO_COLUMNS, 'owner_id', scenarioAccessSql(viewer, 'scenarios').as('access')])
    .where('id', '=', id);
  if (need === 'edit' && db.isTransaction) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  const access = requireScenarioAccess(id, row?.access, need);
  return { ...row!, version: Number(row!.version), access };
}

/** The scenarios `viewer` may see, newest change first, each with the viewer's `access`. */
export async function listScenarios(
  db: Db,
  viewer: Viewer,
  page?: { limit: number; offset: number },
) {
  const access = scenarioAccessSql(viewer, 'scenarios');
  const rows = await db
    .selectFrom('scenarios')
    .select([
      ...SCENARIO_COLUMNS,
      access.as('access'),
      sql<number>`(SELECT count(*) FROM scenario_edits e WHERE e.scenario_id = scenarios.id)::int`.as(
        'edit_count',
      ),
    ])
    .where(sql<boolean>`${access} IS NOT NULL`)
    .orderBy('updated_at', 'desc')
    .orderBy('id')
    .$if(page !== undefined, (q) => q.limit(page!.limit + 1).offset(page!.offset))
    .execute();
  return rows.map((r) => ({ ...r, version: Number(r.version), edit_count: Number(r.edit_count) }));
}

/** A scenario's tile reference when `viewer` may read it; null otherwise (the tile route's 404). */
export async function findReadableScenarioRef(db: Db, id: string, viewer: Viewer) {
  const access = scenarioAccessSql(viewer, 'scenarios');
  const row = await db
    .selectFrom('scenarios')
    .select(['id', 'version', 'status', access.as('access')])
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row?.access) return null;
  return { id: row.id, version: Number(row.version), published: row.status === 'published' };
}

export async function createScenario(
  db: Db,
  input: { name: string; description?: string },
  owner: { id: string | null; name: string | null },
) {
  return db
    .insertInto('scenarios')
    .values({
      name: input.name,
      description: input.description ?? '',
      owner: owner.name,
      owner_id: owner.id,
      parent_id: null,
    })
    .returning(SCENARIO_COLUMNS)
    .executeTakeFirstOrThrow();
}

export async function updateScenario(
  db: Db,
  id: string,
  patch: {
    name?: string;
    description?: string;
    owner?: { id: string; name: string };
    status?: ScenarioStatus;
  },
) {
  if (Object.keys(patch).length === 0) return findScenario(db, id);
  const { owner, ...rest } = patch;
  const row = await db
    .updateTable('scenarios')
    .set({
      ...rest,
      ...(owner ? { owner: owner.name, owner_id: owner.id } : {}),
      ...(patch.status === 'published'
        ? { published_at: sql`coalesce(published_at, now())` as unknown as Date }
        : {}),
      ...(patch.status === 'draft' ? { published_at: null } : {}),
      updated_at: sql`now()` as unknown as Date,
    })
    .where('id', '=', id)
    .returning(SCENARIO_COLUMNS)
    .executeTakeFirstOrThrow();
  return { ...row, version: Number(row.version) };
}

/** Who a scenario is shared with. */
export async function listShares(db: Db, id: string) {
  return db
    .selectFrom('scenario_shares as sh')
    .innerJoin('users as u', 'u.id', 'sh.user_id')
    .select(['u.name as user', 'u.role', 'sh.access'])
    .where('sh.scenario_id', '=', id)
    .orderBy('u.name')
    .execute();
}

/**
 * Replaces a scenario's shares. Each user must exist, be a planner or above, and not be the
 * owner; otherwise 400 and nothing changes.
 */
export async function replaceShares(
  trx: Transaction<Database>,
  id: string,
  ownerId: string | null,
  shares: { user: string; access: ScenarioAccess }[],
) {
  const names = [...new Set(shares.map((s) => s.user))];
  if (names.length !== shares.length)
    throw new ApiError(400, 'bad_request', 'each user may appear once');
  const users = names.length
    ? await trx
        .selectFrom('users')
        .select(['id', 'name', 'role'])
        .where('name', 'in', names)
        .execute()
    : [];
  const byName = new Map(users.map((u) => [u.name, u]));
  for (const s of shares) {
    const u = byName.get(s.user);
    if (!u) throw new ApiError(400, 'bad_request', `no user ${s.user}`);
    if (u.role === 'public')
      throw new ApiError(
        400,
        'bad_request',
        `${s.user} has no planner role; scenarios are shared with planners and up`,
      );
    if (ownerId !== null && String(u.id) === String(ownerId))
      throw new ApiError(400, 'bad_request', `${s.user} owns this scenario`);
  }
  await trx.deleteFrom('scenario_shares').where('scenario_id', '=', id).execute();
  if (shares.length) {
    await trx
      .insertInto('scenario_shares')
      .values(
        shares.map((s) => ({ scenario_id: id, user_id: byName.get(s.user)!.id, access: s.access })),
      )
      .execute();
  }
  await trx
    .updateTable('scenarios')
    .set({ updated_at: sql`now()` as unknown as Date })
    .where('id', '=', id)
    .execute();
}

export async function deleteScenario(db: Db, id: string): Promise<void> {
  const r = await db.deleteFrom('scenarios').where('id', '=', id).executeTakeFirst();
  if (Number(r.numDeletedRows) === 0) throw new ApiError(404, 'not_found', `no scenario ${id}`);
}

/** A branch: a new draft scenario owned by `owner`, with a copy of every edit, pointing at its parent. */
export async function duplicateScenario(
  db: Db,
  id: string,
  name: string | undefined,
  owner: { id: string | null; name: string | null },
) {
  return inTransaction(db, async (trx) => {
    const src = await findScenario(trx, id);
    const copy = await trx
      .insertInto('scenarios')
      .values({
        name: name ?? `${src.name} (copy)`.slice(0, 200),
        description: src.description,
        owner: owner.name,
        owner_id: owner.id,
        parent_id: src.id,
      })
      .returning(SCENARIO_COLUMNS)
      .executeTakeFirstOrThrow();
    await sql`INSERT INTO scenario_edits (scenario_id, seq, kind, payload, geom, target_id, height_m, levels, use,
        closed, lanes, speed_limit_kmh, capacity_veh_h)
      SELECT ${copy.id}::uuid, seq, kind, payload, geom, target_id, height_m, levels, use, closed, lanes,
        speed_limit_kmh, capacity_veh_h
      FROM scenario_edits WHERE scenario_id = ${id}::uuid`.execute(trx);
    return { ...copy, version: Number(copy.version) };
  });
}

export interface EditJson {
  id: string;
  seq: number;
  kind: string;
  [field: string]: unknown;
}

/** An edit as `RETURNING id::text AS id, seq, payload, created_at, updated_at` reads it. */
interface StoredEdit {
  id: string;
  seq: number;
  payload: unknown;
  created_at: Date;
  updated_at: Date;
}

function editJson(r: StoredEdit): EditJson {
  const payload = (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload) as {
    kind: string;
  };
  return {
    ...payload,
    id: String(r.id),
    seq: Number(r.seq),
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}

export async function listEdits(db: Db, scenarioId: string): Promise<EditJson[]> {
  const rows = await db
    .selectFrom('scenario_edits')
    .select(['id', 'seq', 'payload', 'created_at', 'updated_at'])
    .where('scenario_id', '=', scenarioId)
    .orderBy('seq')
    .execute();
  return rows.map(editJson);
}

/** Locks the scenario row, refuses published ones, bumps the version; returns the new version. */
async function bumpVersion(trx: Transaction<Database>, scenarioId: string): Promise<number> {
  const s = await trx
    .selectFrom('scenarios')
    .select(['status'])
    .where('id', '=', scenarioId)
    .forUpdate()
    .executeTakeFirst();
  if (!s) throw new ApiError(404, 'not_found', `no scenario ${scenarioId}`);
  if (s.status === 'published') {
    throw new ApiError(
      400,
      'bad_request',
      'a published scenario is read-only; duplicate it to change it',
    );
  }
  const r = await trx
    .updateTable('scenarios')
    .set({
      version: sql`version + 1` as unknown as number,
      updated_at: sql`now()` as unknown as Date,
    })
    .where('id', '=', scenarioId)
    .returning('version')
    .executeTakeFirstOrThrow();
  return Number(r.version);
}

/** The resolved columns of an edit, after its geometry and target were checked. */
interface Resolved {
  geojson: string | null;
  geomKind: 'polygon' | 'line' | null;
  target_id: string | null;
  height_m: number | null;
  levels: number | null;
  use: string | null;
  closed: boolean | null;
  lanes: number | null;
  speed_limit_kmh: number | null;
  capacity_veh_h: number | null;
}

/** Metres beyond the road network's extent where edits are still "inside the city". */
const CITY_MARGIN_M = 1000;
const FOOTPRINT_M2: [number, number] = [10, 200_000];

async function checkGeometry(db: Db, geometry: object, kind: 'polygon' | 'line'): Promise<void> {
  const { rows } = await sql<{
    valid: boolean;
    reason: string;
    size: number;
    inside: boolean | null;
  }>`
    SELECT ST_IsValid(g) AS valid, ST_IsValidReason(g) AS reason,
      -- No area or length of an invalid geometry (issue #10): validity is decided first.
      CASE WHEN NOT ST_IsValid(g) THEN NULL
           WHEN ${kind} = 'polygon' THEN ST_Area(g::geography) ELSE ST_Length(g::geography) END AS size,
      (SELECT ST_Within(ST_Transform(g, 3857), ST_Expand(ST_SetSRID(ST_Extent(n.geom), 3857), ${CITY_MARGIN_M}::float8))
       FROM road_nodes n) AS inside
    FROM (SELECT ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(geometry)}), 4326) AS g) AS q`.execute(
    db,
  );
  const r = rows[0]!;
  if (!r.valid) throw new ApiError(400, 'bad_request', `geometry is not valid: ${r.reason}`);
  if (r.inside === false) throw new ApiError(400, 'bad_request', 'geometry lies outside the city');
  const size = Number(r.size);
  if (kind === 'polygon' && (size < FOOTPRINT_M2[0] || size > FOOTPRINT_M2[1])) {
    throw new ApiError(
      400,
      'bad_request',
      `footprint area ${Math.round(size)} m² is outside ${FOOTPRINT_M2[0]}–${FOOTPRINT_M2[1]} m²`,
    );
  }
  if (kind === 'line' && (size < 1 || size > 20_000)) {
    throw new ApiError(
      400,
      'bad_request',
      `road length ${Math.round(size)} m is outside 1–20000 m`,
    );
  }
}

async function resolve(db: Db, edit: Edit, factors: FactorSet): Promise<Resolved> {
  const none: Resolved = {
    geojson: null,
    geomKind: null,
    target_id: null,
    height_m: null,
    levels: null,
    use: null,
    closed: null,
    lanes: null,
    speed_limit_kmh: null,
    capacity_veh_h: null,
  };
  const storey = (use: string) =>
    factors.get(`${mainUse(use === 'mixed' ? { residential: 1 } : { [use]: 1 })}.storey_height_m`);
  switch (edit.kind) {
    case 'add_building': {
      await checkGeometry(db, edit.geometry, 'polygon');
      const use =
        edit.use ??
        (edit.uses
          ? Object.values(edit.uses).filter((v) => (v ?? 0) > 0).length > 1
            ? 'mixed'
            : mainUse(edit.uses)
          : 'residential');
      const main = edit.uses ? mainUse(edit.uses) : use;
      const height = edit.height_m ?? edit.floors! * storey(main);
      const levels = edit.floors ?? Math.max(1, Math.floor(height / storey(main)));
      return {
        ...none,
        geojson: JSON.stringify(edit.geometry),
        geomKind: 'polygon',
        height_m: height,
        levels: Math.min(250, levels),
        use,
      };
    }
    case 'change_building':
    case 'demolish_building': {
      const b = await db
        .selectFrom('buildings')
        .select(['id', 'use'])
        .where('id', '=', edit.buildingId)
        .executeTakeFirst();
      if (!b) throw new ApiError(400, 'bad_request', `no building ${edit.buildingId}`);
      if (edit.kind === 'demolish_building') return { ...none, target_id: edit.buildingId };
      const use = edit.use ?? (edit.uses ? mainUse(edit.uses) : null);
      const s = storey(use ?? b.use);
      const height = edit.height_m ?? (edit.floors !== undefined ? edit.floors * s : null);
      const levels =
        edit.floors ??
        (edit.height_m !== undefined ? Math.max(1, Math.floor(edit.height_m / s)) : null);
      return { ...none, target_id: edit.buildingId, height_m: height, levels, use };
    }
    case 'edit_road': {
      const l = await db
        .selectFrom('road_links')
        .select('id')
        .where('id', '=', edit.roadLinkId)
        .executeTakeFirst();
      if (!l) throw new ApiError(400, 'bad_request', `no road link ${edit.roadLinkId}`);
      return {
        ...none,
        target_id: edit.roadLinkId,
        closed: edit.closed ?? null,
        lanes: edit.lanes ?? null,
        speed_limit_kmh: edit.speed_limit_kmh ?? null,
        capacity_veh_h: edit.capacity_veh_h ?? null,
      };
    }
    case 'add_road': {
      await checkGeometry(db, edit.geometry, 'line');
      return {
        ...none,
        geojson: JSON.stringify(edit.geometry),
        geomKind: 'line',
        lanes: edit.lanes,
        speed_limit_kmh: edit.speed_limit_kmh,
        capacity_veh_h: edit.capacity_veh_h ?? 900 * edit.lanes,
      };
    }
  }
}

function geomSql(r: Resolved) {
  if (!r.geojson) return sql`NULL`;
  const g = sql`ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON(${r.geojson}), 4326), 3857)`;
  return r.geomKind === 'polygon' ? sql`ST_Multi(${g})` : g;
}

/** Adds an edit at the end of the scenario; returns it with the scenario's new version. */
export async function addEdit(db: Db, scenarioId: string, edit: Edit, factors: FactorSet) {
  return inTransaction(db, async (trx) => {
    const version = await bumpVersion(trx, scenarioId);
    const r = await resolve(trx, edit, factors);
    const { rows } = await sql<StoredEdit>`
      INSERT INTO scenario_edits (scenario_id, seq, kind, payload, geom, target_id, height_m, levels, use,
        closed, lanes, speed_limit_kmh, capacity_veh_h)
      VALUES (${scenarioId}::uuid,
        (SELECT coalesce(max(seq), 0) + 1 FROM scenario_edits WHERE scenario_id = ${scenarioId}::uuid),
        ${edit.kind}, ${JSON.stringify(edit)}::text::jsonb, ${geomSql(r)}, ${r.target_id}::bigint, ${r.height_m}::real,
        ${r.levels}::smallint, ${r.use}::text, ${r.closed}::boolean, ${r.lanes}::smallint,
        ${r.speed_limit_kmh}::real, ${r.capacity_veh_h}::real)
      RETURNING id::text AS id, seq, payload, created_at, updated_at`.execute(trx);
    return { edit: editJson(rows[0]!), version };
  });
}

/** Replaces an edit's content, keeping its place in the order. */
export async function replaceEdit(
  db: Db,
  scenarioId: string,
  editId: string,
  edit: Edit,
  factors: FactorSet,
) {
  return inTransaction(db, async (trx) => {
    const version = await bumpVersion(trx, scenarioId);
    const r = await resolve(trx, edit, factors);
    const { rows } = await sql<StoredEdit>`
      UPDATE scenario_edits SET kind = ${edit.kind}, payload = ${JSON.stringify(edit)}::text::jsonb, geom = ${geomSql(r)},
        target_id = ${r.target_id}::bigint, height_m = ${r.height_m}::real, levels = ${r.levels}::smallint,
        use = ${r.use}::text, closed = ${r.closed}::boolean, lanes = ${r.lanes}::smallint,
        speed_limit_kmh = ${r.speed_limit_kmh}::real, capacity_veh_h = ${r.capacity_veh_h}::real, updated_at = now()
      WHERE id = ${editId}::bigint AND scenario_id = ${scenarioId}::uuid
      RETURNING id::text AS id, seq, payload, created_at, updated_at`.execute(trx);
    if (rows.length === 0)
      throw new ApiError(404, 'not_found', `no edit ${editId} in scenario ${scenarioId}`);
    return { edit: editJson(rows[0]!), version };
  });
}

export async function removeEdit(db: Db, scenarioId: string, editId: string) {
  return inTransaction(db, async (trx) => {
    const version = await bumpVersion(trx, scenarioId);
    const r = await trx
      .deleteFrom('scenario_edits')
      .where('id', '=', editId)
      .where('scenario_id', '=', scenarioId)
      .executeTakeFirst();
    if (Number(r.numDeletedRows) === 0)
      throw new ApiError(404, 'not_found', `no edit ${editId} in scenario ${scenarioId}`);
    return { version };
  });
}
