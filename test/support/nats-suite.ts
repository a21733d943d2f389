import { afterAll, beforeAll } from 'vitest';
import { TEST_KEY } from '../sensors/helpers';
import { openTestDatabase, type TestDatabase } from './backends';
import { startInstance, type Instance } from './instance';
import { startNats, type NatsServer } from './nats';

export interface NatsSuitePorts {
  nats: number;
  /** nats-server's MQTT listener. */
  mqtt: number;
  /** One twin instance per port, started one at a time. */
  twins: number[];
}

export interface NatsSuite {
  readonly database: TestDatabase;
  readonly nats: NatsServer;
  /** The running twins, in the order of `ports.twins`; a test may stop one and start it again. */
  readonly instances: Instance[];
  /** The environment of a twin of this suite: PostgreSQL, NATS_URL, the test ingest key. */
  env(): Record<string, string>;
  /** Starts the twin on `ports.twins[k]` (again) and puts it at `instances[k]`. */
  start(k: number): Promise<Instance>;
}

/**
 * The scaffolding of a NATS deploy suite (issue #16): its own PostgreSQL database, its own
 * nats-server and its twins, started in `beforeAll` — the first twin creates the stream and the
 * durable consumer, the next find them — and stopped in `afterAll`. `extraEnv` is added to every
 * twin's environment. A suite's own hooks (a NATS client, say) registered after this call run
 * after these in `beforeAll` and before them in `afterAll`.
 */
export function natsSuite(ports: NatsSuitePorts, extraEnv: Record<string, string> = {}): NatsSuite {
  let database: TestDatabase | undefined;
  let nats: NatsServer | undefined;
  const instances: Instance[] = [];
  const suite: NatsSuite = {
    get database() {
      if (!database) throw new Error('natsSuite: the database is opened in beforeAll');
      return database;
    },
    get nats() {
      if (!nats) throw new Error('natsSuite: nats-server is started in beforeAll');
      return nats;
    },
    instances,
    env: () => ({
      DATABASE_URL: suite.database.url!,
      NATS_URL: suite.nats.url,
      TWIN_INGEST_KEYS: TEST_KEY,
      TWIN_MQTT: 'off',
      TWIN_SIMULATOR: 'off',
      ...extraEnv,
    }),
    start: async (k) => (instances[k] = await startInstance(ports.twins[k]!, suite.env())),
  };

  beforeAll(async () => {
    database = await openTestDatabase('postgres');
    nats = await startNats(ports.nats, ports.mqtt);
    for (let k = 0; k < ports.twins.length; k++) await suite.start(k);
  });

  afterAll(async () => {
    for (const i of instances) await i.stop();
    await nats?.stop();
    await database?.dispose();
  });

  return suite;
}
