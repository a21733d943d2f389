import { ConfigError, loadConfig } from '../config';
import { openBackend } from '../db/backend';
import { migrate } from '../db/migrate';

/** `npm run migrate`: applies pending migrations to the configured database and exits. */
try {
  const config = loadConfig();
  const backend = await openBackend({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolSize: 1,
    tileTimeoutMs: config.tiles.timeoutMs,
    onProgress: (m) => console.log(m),
  });
  try {
    const applied = await migrate(backend);
    console.log(applied.length > 0 ? `applied: ${applied.join(', ')}` : 'migrations are current');
  } finally {
    await backend.close();
  }
} catch (error) {
  console.error(
    error instanceof ConfigError ? error.message : `migrate failed: ${(error as Error).message}`,
  );
  process.exit(1);
}
