import { runCommand, withDatabase } from './cli-support';

/** `npm run migrate`: applies pending migrations to the configured database and exits. */
await runCommand(
  () =>
    withDatabase(
      async ({ applied }) => {
        console.log(
          applied.length > 0 ? `applied: ${applied.join(', ')}` : 'migrations are current',
        );
        return 0;
      },
      { onProgress: (m) => console.log(m) },
    ),
  'migrate failed',
);
