import type { Backend } from '../db/backend';
import { recordAuditScript } from '../auth/audit';
import type { Actor } from '../auth/principal';
import { twinError } from '../../common/twin-error';
import { dropPartition, withPartition } from './building-partitions';

/** Tables whose rows carry a dataset_id, in an order that deletes lines before their nodes. */
const TABLES = [
  'buildings',
  'land_use',
  'road_links',
  'road_nodes',
  'water_pipes',
  'water_nodes',
  'power_lines',
  'power_nodes',
] as const;

export class DatasetNotFoundError extends twinError('DatasetNotFoundError', 404, 'not_found') {}

/** Features of other datasets refer to this one's (network nodes): nothing was deleted. */
export class DatasetInUseError extends twinError('DatasetInUseError', 409, 'bad_request') {}

export interface DeletedDataset {
  id: string;
  name: string;
  /** Rows removed per table (only tables that had some). */
  deleted: Record<string, number>;
}

/**
 * Deletes a dataset and every feature it brought, in ONE transaction (issue #10): its rows in
 * every feature table and custom layer, its sensors with their readings, then the dataset row;
 * the import jobs that loaded it keep their history without the link. The layers' tile versions
 * move with the deletes (triggers). If another dataset's lines end on this dataset's nodes,
 * nothing is deleted.
 */
export async function deleteDataset(
  backend: Backend,
  id: string,
  actor: Actor,
): Promise<DeletedDataset> {
  try {
    return await backend.scriptTransaction(async (tx) => {
      const [ds] = await tx.query<{ id: string; name: string }>(
        'SELECT id::text AS id, name FROM datasets WHERE id = $1 FOR UPDATE',
        [id],
      );
      if (!ds) throw new DatasetNotFoundError(`no dataset ${id}`);
      const deleted: Record<string, number> = {};
      const count = async (table: string, text: string, params: unknown[]) => {
        const rows = await tx.query<{ n: string }>(
          `WITH d AS (${text} RETURNING 1) SELECT count(*)::text AS n FROM d`,
          params,
        );
        const n = Number(rows[0]?.n ?? 0);
        if (n > 0) deleted[table] = n;
      };
      const customs = await tx.query<{ table_name: string }>(
        'SELECT table_name FROM custom_layers ORDER BY name',
      );
      // Table names come from the fixed list above and custom_layers (checked by its CHECK constraint).
      // Buildings imported since the partitioning have a partition of their own: dropped whole.
      for (const d of await withPartition(tx, [ds.id])) {
        const n = await dropPartition(tx, d);
        if (n > 0) deleted.buildings = n;
      }
      for (const t of [...TABLES, ...customs.map((c) => c.table_name)]) {
        await count(t, `DELETE FROM "${t.replaceAll('"', '')}" WHERE dataset_id = $1`, [id]);
      }
      await count(
        'readings',
        'DELETE FROM readings WHERE sensor_id IN (SELECT id FROM sensors WHERE dataset_id = $1)',
        [id],
      );
      await count('sensors', 'DELETE FROM sensors WHERE dataset_id = $1', [id]);
      await tx.query('UPDATE import_jobs SET dataset_id = NULL WHERE dataset_id = $1', [id]);
      await tx.query('DELETE FROM datasets WHERE id = $1', [id]);
      await recordAuditScript(tx, {
        actor,
        action: 'dataset.delete',
        targetType: 'dataset',
        targetId: ds.id,
        details: { name: ds.name, deleted },
      });
      return { id: ds.id, name: ds.name, deleted };
    });
  } catch (error) {
    const e = error as { code?: string; message: string };
    if (e.code === '23503' || /foreign key/i.test(e.message)) {
      throw new DatasetInUseError(
        `features of other datasets refer to this dataset's features (${e.message.split('\n')[0]!.slice(0, 200)}); delete or re-import those first; nothing was deleted`,
      );
    }
    throw error;
  }
}
