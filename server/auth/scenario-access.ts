import { sql, type RawBuilder } from 'kysely';
import type { ScenarioAccess } from '../../common/scenario-types';
import { ApiError } from '../errors';
import type { Viewer } from './principal';
import { atLeast } from './roles';

/**
 * Scenario rights (issue #9) as one SQL expression over the scenario row `alias`, evaluating
 * to 'edit', 'read' or NULL (invisible):
 * - admin: edit on every scenario (moderation);
 * - a planner (or gis): edit on their own and on those shared with them for edit, read on those
 *   shared for read;
 * - everyone: read on published scenarios.
 * Queries filter and project with it, so a list never holds what the caller may not see.
 */
export function scenarioAccessSql(v: Viewer, alias: string): RawBuilder<ScenarioAccess | null> {
  const col = (c: string) => sql.ref(`${alias}.${c}`);
  if (v.role === 'admin') return sql<ScenarioAccess>`'edit'::text`;
  if (v.userId === null || !atLeast(v.role, 'planner')) {
    return sql<ScenarioAccess | null>`(CASE WHEN ${col('status')} = 'published' THEN 'read' END)`;
  }
  const uid = v.userId;
  return sql<ScenarioAccess | null>`(CASE
    WHEN ${col('owner_id')} = ${uid}::bigint THEN 'edit'
    WHEN EXISTS (SELECT 1 FROM scenario_shares sh WHERE sh.scenario_id = ${col('id')}
                 AND sh.user_id = ${uid}::bigint AND sh.access = 'edit') THEN 'edit'
    WHEN EXISTS (SELECT 1 FROM scenario_shares sh WHERE sh.scenario_id = ${col('id')}
                 AND sh.user_id = ${uid}::bigint) THEN 'read'
    WHEN ${col('status')} = 'published' THEN 'read'
  END)`;
}

/**
 * Turns a scenario's access into the answer: an invisible scenario is 404 (another planner's
 * draft is not even admitted to exist), a read-only one asked to change is 403.
 */
export function requireScenarioAccess(
  id: string,
  access: ScenarioAccess | null | undefined,
  need: ScenarioAccess,
): ScenarioAccess {
  if (!access) throw new ApiError(404, 'not_found', `no scenario ${id}`);
  if (need === 'edit' && access !== 'edit') {
    throw new ApiError(
      403,
      'forbidden',
      'this scenario is read-only for you: its owner can share it for edit',
    );
  }
  return access;
}
