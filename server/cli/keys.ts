import { runCommand, withDatabase } from './cli-support';
import { createKey, listKeys, revokeKey } from '../sensors/api-keys';

const USAGE = `usage: npm run keys -- create <name>   create an ingest key (printed once; stored hashed)
       npm run keys -- list            list keys (names and dates, never the keys)
       npm run keys -- revoke <name>   revoke a key`;

/** `npm run keys -- create|list|revoke`: manages ingest API keys in the configured database. */
const [command, name] = process.argv.slice(2);
if (!command || !['create', 'list', 'revoke'].includes(command) || (command !== 'list' && !name)) {
  console.error(USAGE);
  process.exit(2);
}
if (name !== undefined && !/^[A-Za-z0-9_.@-]{1,100}$/.test(name)) {
  console.error('a key name is 1–100 letters, digits, _ . @ -');
  process.exit(2);
}
await runCommand(
  () =>
    withDatabase(async ({ backend }) => {
      if (command === 'create') {
        const exists = await backend.db
          .selectFrom('ingest_keys')
          .select('id')
          .where('name', '=', name!)
          .executeTakeFirst();
        if (exists) throw new Error(`a key named ${name} exists; revoke it or choose another name`);
        const key = await createKey(backend.db, name!);
        console.error(`ingest key "${name}" created. It is shown once; store it now:`);
        console.log(key);
      } else if (command === 'list') {
        const keys = await listKeys(backend.db);
        if (keys.length === 0) console.log('no stored keys (TWIN_INGEST_KEYS may still hold some)');
        for (const k of keys) {
          const state = k.revoked_at ? `revoked ${new Date(k.revoked_at).toISOString()}` : 'active';
          console.log(`${k.name}\tcreated ${new Date(k.created_at).toISOString()}\t${state}`);
        }
      } else {
        const ok = await revokeKey(backend.db, name!);
        if (!ok) throw new Error(`no active key named ${name}`);
        console.log(`revoked ${name} (running servers stop accepting it within 5 s)`);
      }
      return 0;
    }),
  'keys',
);
