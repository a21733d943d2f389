import { sql, type RawBuilder } from 'kysely';
import { denied } from './guard';
import { isStaff, type Principal } from './principal';

/**
 * Sensor kinds the public may see (issue #9): traffic sensors (`traffic_speed`,
 * `traffic_flow`, any `traffic_*`) and camera sites (`camera`, issue #17: the site, not its
 * frames; see camera-access.ts). Water, power and every other kind are staff.
 */
export const isPublicSensorKind = (kind: string): boolean =>
  kind.startsWith('traffic_') || kind === 'camera';

/** True when the caller may see sensors of every kind. */
export const seesAllSensors = (p: Principal): boolean => isStaff(p);

/** A WHERE condition on `alias.kind` keeping public kinds only. */
export function publicSensorKindSql(alias: string): RawBuilder<boolean> {
  return sql<boolean>`(left(${sql.ref(`${alias}.kind`)}, 8) = 'traffic_' OR ${sql.ref(`${alias}.kind`)} = 'camera')`;
}

/** 401/403 for a staff sensor asked for by name by someone below planner. */
export function assertSensorVisible(p: Principal, kind: string): void {
  if (!isPublicSensorKind(kind) && !seesAllSensors(p))
    throw denied(p, 'utility sensors are for staff');
}
