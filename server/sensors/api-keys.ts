import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { Database } from '../../schema/database';

/** SHA-256 hex of a key: what the database stores. */
export const hashKey = (key: string): string => createHash('sha256').update(key).digest('hex');

/** A new random key: `twk_` + 32 random bytes, base64url. */
export const generateKey = (): string => `twk_${randomBytes(32).toString('base64url')}`;

/** Stored keys are re-read at most this often, so a revoked key stops working within it. */
const REFRESH_MS = 5000;

/**
 * Checks ingest keys: those from `TWIN_INGEST_KEYS` and those created with `npm run keys`
 * (stored as SHA-256 hashes; never the key itself).
 */
export class KeyStore {
  readonly #db: Kysely<Database>;
  readonly #envHashes: Buffer[];
  #stored = new Set<string>();
  #loadedAt = 0;
  #loading: Promise<void> | undefined;

  constructor(db: Kysely<Database>, envKeys: string[]) {
    this.#db = db;
    this.#envHashes = envKeys.map((k) => Buffer.from(hashKey(k), 'hex'));
  }

  async verify(key: string): Promise<boolean> {
    if (key.length < 16 || key.length > 200) return false;
    const hash = hashKey(key);
    const digest = Buffer.from(hash, 'hex');
    if (this.#envHashes.some((h) => timingSafeEqual(h, digest))) return true;
    if (Date.now() - this.#loadedAt > REFRESH_MS) await this.#refresh();
    return this.#stored.has(hash);
  }

  #refresh(): Promise<void> {
    this.#loading ??= this.#db
      .selectFrom('ingest_keys')
      .select('key_hash')
      .where('revoked_at', 'is', null)
      .execute()
      .then((rows) => {
        this.#stored = new Set(rows.map((r) => r.key_hash));
        this.#loadedAt = Date.now();
      })
      .finally(() => {
        this.#loading = undefined;
      });
    return this.#loading;
  }
}

/** Creates a named key; returns the plaintext, which is shown once and never stored. */
export async function createKey(db: Kysely<Database>, name: string): Promise<string> {
  const key = generateKey();
  await db
    .insertInto('ingest_keys')
    .values({ name, key_hash: hashKey(key) })
    .execute();
  return key;
}

export async function listKeys(db: Kysely<Database>) {
  return db
    .selectFrom('ingest_keys')
    .select(['name', 'created_at', 'revoked_at'])
    .orderBy('created_at')
    .execute();
}

/** Revokes a key by name; false when there is no such active key. */
export async function revokeKey(db: Kysely<Database>, name: string): Promise<boolean> {
  const r = await db
    .updateTable('ingest_keys')
    .set({ revoked_at: new Date() })
    .where('name', '=', name)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

const DEMO_KEY_NAME = 'embedded-demo';

/**
 * The embedded demo's ingest key: created once, stored hashed, its plaintext kept in
 * `<dataDir>/ingest-key.txt` (mode 0600) for the owner. Returns the file's path (log that, never
 * the key). A key file whose key is no longer valid is replaced.
 */
export async function ensureDemoKey(db: Kysely<Database>, dataDir: string): Promise<string> {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, 'ingest-key.txt');
  if (existsSync(file)) {
    const key = readFileSync(file, 'utf8').trim();
    const row = await db
      .selectFrom('ingest_keys')
      .select('id')
      .where('key_hash', '=', hashKey(key))
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (row) return file;
  }
  const key = generateKey();
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('ingest_keys').where('name', '=', DEMO_KEY_NAME).execute();
    await trx
      .insertInto('ingest_keys')
      .values({ name: DEMO_KEY_NAME, key_hash: hashKey(key) })
      .execute();
  });
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}
