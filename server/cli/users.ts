import { CLI_ACTOR } from '../auth/principal';
import { ACCOUNT_ROLES, type AccountRole } from '../auth/roles';
import { TokenStore } from '../auth/token-store';
import {
  addUser,
  findUser,
  listUsers,
  removeUser,
  resetPassword,
  setRole,
} from '../auth/user-store';
import { parseCommandLine, runCommand, withDatabase } from './cli-support';

const USAGE = `usage: npm run users -- add <name> --role <planner|gis|admin> [--password-stdin]
       npm run users -- list
       npm run users -- set-role <name> <planner|gis|admin>
       npm run users -- remove <name>
       npm run users -- reset-password <name> [--password-stdin]
       npm run users -- token <name> [--label text]

Without --password-stdin a password is generated and printed once. Passwords are stored as
argon2id hashes; tokens (Authorization: Bearer …) as SHA-256, and printed once. With the embedded
database, stop the server first (one process at a time).`;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** `npm run users`: accounts and API tokens in the configured database (issue #9). */
async function main(): Promise<number> {
  const args = parseCommandLine(USAGE, {
    role: { type: 'string' },
    'password-stdin': { type: 'boolean', default: false },
    label: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (!args) return 2;
  const { values: o, positionals } = args;
  const [command, name, extra] = positionals;
  const isRole = (r: string | undefined): r is AccountRole =>
    ACCOUNT_ROLES.includes(r as AccountRole);
  const ok =
    (command === 'list' && !name) ||
    (command === 'add' && name && isRole(o.role)) ||
    (command === 'set-role' && name && isRole(extra)) ||
    (['remove', 'reset-password', 'token'].includes(command ?? '') && name);
  if (o.help || !ok) {
    console.error(USAGE);
    return o.help ? 0 : 2;
  }
  return withDatabase(async ({ backend }) => {
    const db = backend.db;
    const stdinPassword = o['password-stdin'] ? await readStdin() : undefined;
    switch (command) {
      case 'add': {
        const { user, password } = await addUser(
          db,
          { name: name!, role: o.role as AccountRole, password: stdinPassword },
          CLI_ACTOR,
        );
        console.error(`user ${user.name} (${user.role}) created.`);
        if (password) {
          console.error('Its password is shown once; store it now:');
          console.log(password);
        }
        break;
      }
      case 'list': {
        const users = await listUsers(db);
        if (users.length === 0) console.log('no users');
        for (const u of users) {
          const seen = u.last_sign_in_at ? `last sign-in ${u.last_sign_in_at}` : 'never signed in';
          console.log(
            `${u.name}\t${u.role}\t${u.sso ? 'single sign-on' : 'password'}\tcreated ${u.created_at}\t${seen}`,
          );
        }
        break;
      }
      case 'set-role': {
        const u = await setRole(db, name!, extra as AccountRole, CLI_ACTOR);
        console.log(`${u.name} is now ${u.role} (running servers apply it within 5 s)`);
        break;
      }
      case 'remove':
        await removeUser(db, name!, CLI_ACTOR);
        console.log(`removed ${name}, with its sessions, tokens and shares`);
        break;
      case 'reset-password': {
        const password = await resetPassword(db, name!, stdinPassword, CLI_ACTOR);
        console.error(`password of ${name} reset; its sessions are signed out.`);
        if (password) {
          console.error('The new password is shown once; store it now:');
          console.log(password);
        }
        break;
      }
      case 'token': {
        const user = await findUser(db, name!);
        if (!user) throw new Error(`no user ${name}`);
        const label = (o.label ?? `cli ${new Date().toISOString().slice(0, 10)}`).slice(0, 100);
        const { token } = await new TokenStore(db).create(
          db,
          { id: String(user.id), name: user.name },
          label,
          CLI_ACTOR,
        );
        console.error(
          `API token "${label}" for ${user.name} (${user.role}); shown once — use it as Authorization: Bearer <token>:`,
        );
        console.log(token);
        break;
      }
    }
    return 0;
  });
}

await runCommand(main, 'users', { exit: true });
