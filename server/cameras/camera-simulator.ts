import type { LiveBus } from '../sensors/live-bus';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../schema/database';
import type { Logger } from '../log';
import { DEMO_CAMERA_PREFIX } from '../../data/demo-cameras';
import { renderTrafficFrame } from './frame-renderer';
import { storeFrame, type FrameLimits } from './frame-store';

interface SimCamera {
  id: string;
  name: string | null;
  frames_public: boolean;
  flow: number | null;
  speed: number | null;
  speed_ref: number | null;
}

/**
 * Sends the demo cameras' frames (issue #17): every `periodS` seconds one PNG per camera drawn
 * from the simulated traffic on its link (its counts sensors' latest readings), stored through
 * the same path as an upload, so retention, the live notice and access apply as for a real
 * camera. Every image is stamped SIMULATED.
 */
export class CameraSimulator {
  readonly #db: Kysely<Database>;
  readonly #log: Logger;
  readonly #periodMs: number;
  readonly #limits: FrameLimits;
  #timer: NodeJS.Timeout | undefined;
  #busy = false;

  readonly #bus: (() => LiveBus | undefined) | undefined;

  constructor(o: {
    db: Kysely<Database>;
    log: Logger;
    periodS: number;
    limits: FrameLimits;
    bus?: () => LiveBus | undefined;
  }) {
    this.#db = o.db;
    this.#bus = o.bus;
    this.#log = o.log;
    this.#periodMs = o.periodS * 1000;
    this.#limits = o.limits;
  }

  start(): void {
    void this.tick(new Date());
    this.#timer = setInterval(() => void this.tick(new Date()), this.#periodMs);
    this.#timer.unref();
  }

  /** Renders and stores one frame per demo camera; returns the frames stored. */
  async tick(at: Date): Promise<number> {
    if (this.#busy) return 0;
    this.#busy = true;
    try {
      const { rows } = await sql<SimCamera>`SELECT s.id::text AS id, s.name, c.frames_public,
          (SELECT st.value FROM sensors k JOIN sensor_state st ON st.sensor_id = k.id WHERE k.source_id = s.id AND k.kind = 'traffic_flow' LIMIT 1) AS flow,
          (SELECT st.value FROM sensors k JOIN sensor_state st ON st.sensor_id = k.id WHERE k.source_id = s.id AND k.kind = 'traffic_speed' LIMIT 1) AS speed,
          (SELECT k.reference_value FROM sensors k WHERE k.source_id = s.id AND k.kind = 'traffic_speed' LIMIT 1) AS speed_ref
        FROM cameras c JOIN sensors s ON s.id = c.sensor_id
        WHERE s.external_id LIKE ${`${DEMO_CAMERA_PREFIX}%`} ORDER BY s.id`.execute(this.#db);
      let stored = 0;
      const ts = new Date(Math.floor(at.getTime() / 1000) * 1000);
      for (const cam of rows) {
        const image = renderTrafficFrame({
          flowVehH: cam.flow === null ? 0 : Number(cam.flow),
          speedKmh: cam.speed === null ? Number(cam.speed_ref ?? 50) : Number(cam.speed),
          label: cam.name ?? `camera ${cam.id}`,
          at: ts,
          seed: Number(cam.id),
        });
        const r = await storeFrame(
          this.#db,
          {
            cameraId: cam.id,
            ts,
            contentType: 'image/png',
            image,
            framesPublic: cam.frames_public,
          },
          this.#limits,
          this.#bus?.(),
        );
        if (r.stored) stored++;
      }
      return stored;
    } catch (error) {
      this.#log.warn({ err: error }, 'camera simulator: frames not stored');
      return 0;
    } finally {
      this.#busy = false;
    }
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
  }
}
