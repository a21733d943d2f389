import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError, loadConfig, type Config } from '../config';
import { openBackend, type Backend } from '../db/backend';
import { migrate } from '../db/migrate';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * The command line parsed with `node:util`'s parseArgs (positionals allowed); on an unknown or
 * malformed option, prints the error and `usage` and returns undefined (exit 2).
 */
export function parseCommandLine<const O extends Options>(usage: string, options: O) {
  try {
    return parseArgs({ allowPositionals: true, options });
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${usage}`);
    return undefined;
  }
}

/**
 * Runs `work` on the configured database (`DATABASE_URL` or the embedded one), migrated first,
 * and closes it after; `applied` names the migrations this run applied.
 */
export async function withDatabase<T>(
  work: (ctx: { backend: Backend; config: Config; applied: string[] }) => Promise<T>,
  options: { poolSize?: number; onProgress?: (message: string) => void } = {},
): Promise<T> {
  const config = loadConfig();
  const backend = await openBackend({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolSize: options.poolSize ?? 1,
    tileTimeoutMs: config.tiles.timeoutMs,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  try {
    const applied = await migrate(backend);
    return await work({ backend, config, applied });
  } finally {
    await backend.close();
  }
}

/**
 * Runs a command's `main` and exits with its code; an error exits 1 with its message (a
 * configuration error as it is, any other after `failure`). `exit: true` ends the process at
 * once (for commands that leave handles open), else it ends when its work has drained.
 */
export async function runCommand(
  main: () => Promise<number>,
  failure: string,
  { exit = false }: { exit?: boolean } = {},
): Promise<void> {
  let code: number;
  try {
    code = await main();
  } catch (error) {
    console.error(
      error instanceof ConfigError ? error.message : `${failure}: ${(error as Error).message}`,
    );
    code = 1;
  }
  if (exit) process.exit(code);
  process.exitCode = code;
}
