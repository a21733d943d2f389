import type { Kysely } from 'kysely';
import type { Database } from '../../schema/database';
import type { CameraConfig } from '../config';
import type { Logger } from '../log';
import { PeriodicJob } from '../periodic-job';
import type { SensorService } from '../sensors/sensor-service';
import { CameraSimulator } from './camera-simulator';
import { pruneFrames, type FrameLimits } from './frame-store';

/** The retention sweep runs this often (uploads also prune their own camera). */
const SWEEP_MS = 10 * 60_000;

/**
 * The frame retention sweep (`TWIN_CAMERA_RETENTION_H`, `TWIN_CAMERA_BUDGET_MB`): also removes
 * the frames of cameras that stopped sending.
 */
export function frameRetentionJob(db: Kysely<Database>, limits: FrameLimits, log: Logger) {
  return new PeriodicJob({
    everyMs: SWEEP_MS,
    log,
    failure: 'camera frame retention: sweep failed',
    task: async () => {
      const n = await pruneFrames(db, new Date(), limits);
      if (n > 0) log.debug({ frames: n }, 'camera frames past retention deleted');
    },
  });
}

/**
 * Starts the cameras' background work with the sensors' (stopped by `sensors.stop()`): the
 * retention sweep, and with `simulator` the demo cameras' frames.
 */
export async function startCameraRuntime(
  sensors: SensorService,
  config: CameraConfig,
  o: { simulator: boolean },
) {
  const db = sensors.backend.db;
  const limits = { retentionH: config.retentionH, budgetBytes: config.budgetBytes };
  const retention = frameRetentionJob(db, limits, sensors.log);
  await retention.start();
  sensors.adopt(retention);
  let simulator: CameraSimulator | undefined;
  if (o.simulator) {
    simulator = new CameraSimulator({
      db,
      log: sensors.log,
      periodS: config.simulatorFrameS,
      limits,
      bus: () => sensors.frames.bus,
    });
    simulator.start();
    sensors.adopt(simulator);
    sensors.log.info(
      { periodS: config.simulatorFrameS },
      'camera simulator: demo cameras send SIMULATED frames',
    );
  }
  return { retention, simulator };
}
