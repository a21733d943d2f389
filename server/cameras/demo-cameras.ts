import type { Kysely } from 'kysely';
import { planDemoCameras } from '../../data/demo-cameras';
import type { Database } from '../../schema/database';
import { registerSensors } from '../sensors/sensor-queries';

/**
 * Registers the demo city's traffic cameras and their counts sensors (issue #17; idempotent:
 * cameras already registered are left as they are). Returns the cameras registered now.
 */
export async function registerDemoCameras(db: Kysely<Database>, count = 36): Promise<number> {
  const cameras = () =>
    db
      .selectFrom('cameras')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
  const before = await cameras();
  await registerSensors(db, await planDemoCameras(db, count));
  const after = await cameras();
  return Number(after.n) - Number(before.n);
}
