import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { ensureDemoKey } from './api-keys';
import { AnomalyMonitor } from './anomaly-monitor';
import { startEmbeddedBroker, type EmbeddedBroker } from './embedded-broker';
import { MqttIngest } from './mqtt-ingest';
import { NatsIngest } from './nats-ingest';
import { NatsLiveBus } from './live-bus';
import { READINGS_CHANNEL } from './ingest-writer';
import type { SensorService } from './sensor-service';
import { Simulator, type WorldProvider } from './simulator';
import { CityMetricsRollup } from '../dashboard/city-metrics';
import { retentionJob } from './retention';

export interface RuntimeOptions {
  /** MQTT ingest (external broker at MQTT_URL, or the in-process one); default from config. */
  mqtt?: boolean;
  /** The demo simulator; default: config (`TWIN_SIMULATOR`) and only with the demo city on. */
  simulator?: boolean;
  /** The anomaly monitor; default on. */
  anomalies?: boolean;
  /** The demo's traffic, for the simulator's count and speed sensors (the impact model's world). */
  world?: WorldProvider;
  /** Write the last peak hour of counts when there are none (with `world`; `npm start` does). */
  backfillPeak?: boolean;
  /** The city-wide roll-ups behind the dashboard and retention (`TWIN_RETENTION_DAYS`); default on. */
  rollups?: boolean;
}

export interface SensorRuntimeHandle {
  mqtt?: MqttIngest;
  nats?: NatsIngest;
  broker?: EmbeddedBroker;
  simulator?: Simulator;
  anomalies?: AnomalyMonitor;
  rollups?: CityMetricsRollup;
}

/**
 * Starts what runs in the background for live sensors: the live LISTEN, monthly partitions
 * ahead, MQTT ingest (with the in-process broker when no MQTT_URL is set), the anomaly monitor
 * and the simulator. Everything is stopped by `service.stop()`.
 */
export async function startSensorRuntime(
  service: SensorService,
  options: RuntimeOptions = {},
): Promise<SensorRuntimeHandle> {
  const { config, log } = service;
  const s = config.sensors;
  const handle: SensorRuntimeHandle = {};
  await sql`SELECT ensure_readings_partitions((now() - interval '1 month')::date, 4)`.execute(
    service.backend.db,
  );
  await service.registry.loadAll();
  if (s.natsUrl) {
    // Issue #16: the live stream and frame notices fan out over NATS subjects, not NOTIFY.
    const bus = await NatsLiveBus.connect(s.natsUrl, log);
    service.hub.bus = bus;
    service.frames.bus = bus;
    service.writer.live = (payload) => bus.publish(READINGS_CHANNEL, payload);
    service.adopt({
      stop: async () => {
        service.writer.live = undefined;
        await bus.close();
      },
    });
    log.info(
      'nats: live readings and frame notices fan out over twin.live.readings / twin.live.frames',
    );
  }
  await service.hub.start();

  if (!config.databaseUrl && !config.dataDir.startsWith('memory://')) {
    const file = await ensureDemoKey(service.backend.db, config.dataDir);
    log.info({ file }, 'ingest key for this twin (Authorization: Bearer <key>, or MQTT password)');
  }

  if (s.natsUrl) {
    // Issue #16: readings come through JetStream; MQTT devices use NATS's own MQTT listener.
    handle.nats = await NatsIngest.start(service, s.natsUrl);
    service.nats = handle.nats;
    service.adopt({
      stop: async () => {
        service.nats = undefined;
        await handle.nats!.stop();
      },
    });
    log.info(
      "nats: ingesting twin.sensors.> from stream TWIN_SENSORS (durable consumer twin-ingest); MQTT devices publish to NATS's MQTT listener",
    );
  } else if (options.mqtt ?? s.mqttEnabled) {
    if (s.mqttUrl) {
      handle.mqtt = await MqttIngest.start(service, {
        url: s.mqttUrl,
        clientId: s.mqttClientId,
        shareGroup: s.mqttShareGroup,
        v5: true,
      });
      service.adopt(handle.mqtt);
      log.info({ clientId: s.mqttClientId }, 'mqtt: ingesting twin/sensors/+ from MQTT_URL');
    } else {
      const internalToken = randomBytes(24).toString('base64url');
      try {
        handle.broker = await startEmbeddedBroker({
          port: s.mqttPort,
          keys: service.keys,
          internalToken,
        });
      } catch (error) {
        log.warn(
          { err: error, port: s.mqttPort },
          'mqtt: the in-process broker could not listen (TWIN_MQTT_PORT in use?); MQTT ingest is off',
        );
      }
      if (handle.broker) {
        service.adopt(handle.broker);
        handle.mqtt = await MqttIngest.start(service, {
          url: handle.broker.url,
          clientId: s.mqttClientId,
          username: 'twin',
          password: internalToken,
        });
        service.adopt(handle.mqtt);
        log.info(
          { port: handle.broker.port },
          'mqtt: in-process broker listening; publish {ts, value} to twin/sensors/{externalId} with an ingest key as password',
        );
      }
    }
  }

  if (options.anomalies ?? true) {
    handle.anomalies = new AnomalyMonitor(service);
    await handle.anomalies.start();
    service.adopt(handle.anomalies);
  }

  if (options.rollups ?? true) {
    if (s.retentionDays > 0) {
      const retention = retentionJob(service.backend.db, s.retentionDays, log);
      await retention.start();
      service.adopt(retention);
    }
    handle.rollups = new CityMetricsRollup(service.backend.db, log);
    await handle.rollups.start();
    service.adopt(handle.rollups);
  }

  if (options.simulator ?? (s.simulator && config.demo.enabled)) {
    handle.simulator = new Simulator(service, {
      periodS: s.simulatorPeriodS,
      world: options.world,
    });
    await handle.simulator.start();
    service.adopt(handle.simulator);
    log.info(
      { sensors: handle.simulator.size, periodS: s.simulatorPeriodS },
      'simulator: on (TWIN_SIMULATOR=off to stop)',
    );
    if (options.world && options.backfillPeak) {
      const sim = handle.simulator;
      sim.backfillLatestPeak(config.demo.center[0]).then(
        (n) =>
          n > 0 &&
          log.info(
            { readings: n },
            'simulator: wrote the last peak hour of traffic counts, so the demo baseline can be calibrated',
          ),
        (error: unknown) =>
          log.warn({ err: error }, 'simulator: could not write the last peak hour of counts'),
      );
    }
  }
  return handle;
}
