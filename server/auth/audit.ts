import { sql, type Kysely, type Transaction } from 'kysely';
import type { ScriptTransaction } from '../db/backend';
import type { Database } from '../../schema/database';
import type { Actor } from './principal';

/** One audit row (issue #9): who did what to which thing, with the facts of the change. */
export interface AuditEntry {
  actor: Actor;
  /** `domain.verb`: session.create, user.add, scenario.publish, import.load, factor.update, … */
  action: string;
  targetType?: string;
  targetId?: string | number | null;
  details?: Record<string, unknown>;
}

type Db = Kysely<Database> | Transaction<Database>;

/**
 * Writes the row on `db` — pass the change's own transaction, so the row commits with the change
 * or not at all.
 */
export async function recordAudit(db: Db, e: AuditEntry): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      actor: e.actor.name,
      role: e.actor.role,
      action: e.action,
      target_type: e.targetType ?? null,
      target_id: e.targetId === undefined || e.targetId === null ? null : String(e.targetId),
      details: sql<string>`${JSON.stringify(e.details ?? {})}::text::jsonb` as unknown as string,
    })
    .execute();
}

/** The same row inside a script transaction (imports' load, migrations' scripts). */
export async function recordAuditScript(tx: ScriptTransaction, e: AuditEntry): Promise<void> {
  await tx.query(
    `INSERT INTO audit_log (actor, role, action, target_type, target_id, details)
     VALUES ($1, $2, $3, $4, $5, $6::text::jsonb)`,
    [
      e.actor.name,
      e.actor.role,
      e.action,
      e.targetType ?? null,
      e.targetId === undefined || e.targetId === null ? null : String(e.targetId),
      JSON.stringify(e.details ?? {}),
    ],
  );
}

/** Runs `fn` in `db`'s transaction when it is one, else in a new transaction. */
export function inTransaction<T>(
  db: Db,
  fn: (trx: Transaction<Database>) => Promise<T>,
): Promise<T> {
  return db.isTransaction ? fn(db as Transaction<Database>) : db.transaction().execute(fn);
}

export interface AuditQuery {
  limit: number;
  /** Rows older than this: a row id (paging by the last id of a page) or a time. */
  before?: { id: string } | { at: Date };
  actor?: string;
  action?: string;
}

/** Newest first. */
export async function listAudit(db: Db, q: AuditQuery) {
  let query = db
    .selectFrom('audit_log')
    .select(['id', 'at', 'actor', 'role', 'action', 'target_type', 'target_id', 'details'])
    .orderBy('id', 'desc')
    .limit(q.limit);
  if (q.before && 'id' in q.before) query = query.where('id', '<', q.before.id);
  if (q.before && 'at' in q.before) query = query.where('at', '<', q.before.at);
  if (q.actor) query = query.where('actor', '=', q.actor);
  if (q.action) query = query.where('action', '=', q.action);
  const rows = await query.execute();
  return rows.map((r) => ({
    id: String(r.id),
    at: new Date(r.at).toISOString(),
    actor: r.actor,
    role: r.role,
    action: r.action,
    target_type: r.target_type,
    target_id: r.target_id,
    details:
      typeof r.details === 'string'
        ? (JSON.parse(r.details) as Record<string, unknown>)
        : r.details,
  }));
}
