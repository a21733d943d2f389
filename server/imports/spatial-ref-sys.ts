import { sql, type Kysely } from 'kysely';
import type { Database } from '../../schema/database';
import type { SpatialRefSys } from './crs';

/**
 * The database's EPSG definitions (`spatial_ref_sys`, ~8,500 rows of PROJ's proj4 strings),
 * read once per process and handed to every parse worker with its job.
 */
export async function loadSpatialRefSys(db: Kysely<Database>): Promise<SpatialRefSys> {
  const { rows } = await sql<{ code: number; def: string }>`
    SELECT auth_srid AS code, proj4text AS def FROM spatial_ref_sys
    WHERE auth_name = 'EPSG' AND proj4text IS NOT NULL AND proj4text <> ''`.execute(db);
  const table: SpatialRefSys = {};
  for (const r of rows) table[Number(r.code)] = r.def.trim();
  return table;
}
