import type { Hono } from 'hono';
import { ingestRoutes } from './ingest-routes';
import { liveRoutes } from './live-routes';
import { sensorRoutes } from './sensor-routes';
import { insightRoutes } from './insight-routes';
import { historyRangeRoutes } from './history-range-routes';
import type { SensorService } from './sensor-service';

/**
 * The live-sensor API as [mount path, sub-app] pairs, one sub-app per resource, so an
 * authorization check can wrap any of them.
 */
export function sensorApps(service: SensorService): [string, Hono][] {
  const insights = insightRoutes(service);
  return [
    ['/api/ingest', ingestRoutes(service)],
    ['/api/sensors', sensorRoutes(service)],
    ['/api/live', liveRoutes(service)],
    ['/api/h3', insights.h3],
    ['/api/alerts', insights.alerts],
    ['/api/maintenance', insights.maintenance],
    [
      '/api/readings',
      historyRangeRoutes({
        db: service.backend.readDb,
        retentionDays: service.config.sensors.retentionDays,
      }),
    ],
  ] as [string, Hono][];
}
