import { Hono } from 'hono';
import { ApiError } from '../errors';
import type { ImpactService } from './impact-service';
import { IMPACT_LAYERS, impactLayer, publicImpact, type ImpactLayer } from './scenario-export';
import { findScenarioFor } from './scenario-store';
import { z } from 'zod';
import { ScenarioParam, scenarioId } from '../params';
import { valid } from '../validate';
import { denied } from '../auth/guard';
import { isStaff, principalOf, viewerOf } from '../auth/principal';
import type { Kysely } from 'kysely';
import type { Database } from '../../schema/database';

/** Longest `?wait=` a client may ask for, seconds. */
const MAX_WAIT_S = 60;

/** `?wait=` seconds (0 to 60; empty: 0), as milliseconds. */
const WaitQuery = z.object({
  wait: z
    .string()
    .transform((raw, ctx) => {
      const s = raw === '' ? 0 : Number(raw);
      if (Number.isFinite(s) && s >= 0 && s <= MAX_WAIT_S) return s * 1000;
      ctx.addIssue({
        code: 'custom',
        message: `wait must be a number of seconds from 0 to ${MAX_WAIT_S}`,
      });
      return z.NEVER;
    })
    .default(0),
});

/** `/{id}/impact/layers/{layer}`: a layer of IMPACT_LAYERS, with or without `.geojson`. */
const LayerParam = z.object({
  id: scenarioId,
  layer: z.string().transform((l) => l.replace(/\.geojson$/, '')),
});

/**
 * The impact of a scenario (mounted on `/api/scenarios` beside scenario-routes.ts):
 *   GET /{id}/impact[?wait=s] — 200 with the result when it is ready (`X-Impact-Cache: hit|miss`),
 *     else 202 with `{status: queued|running, position, phase, …}` and Retry-After; 503 +
 *     Retry-After when the queue is full or the job failed (over its time budget, say).
 *   GET /{id}/impact/layers/{traffic|utilities|shadow}.geojson — waits for the result.
 * Rights as the scenario's own routes (issue #9): a scenario the caller may not read is 404
 * (nothing is computed or queued for it); below planner, utility figures are city-wide totals
 * (`publicImpact`) and the utilities layer is refused.
 */
export function scenarioImpactRoutes({
  db,
  impacts,
}: {
  db: Kysely<Database>;
  impacts: ImpactService;
}) {
  return new Hono()
    .get('/:id/impact', valid('param', ScenarioParam), valid('query', WaitQuery), async (c) => {
      const p = principalOf(c);
      const sid = c.req.valid('param').id;
      const { wait } = c.req.valid('query');
      await findScenarioFor(db, sid, viewerOf(p), 'read');
      const answer = await impacts.impact(sid, wait);
      if (answer.status === 'done') {
        c.header('X-Impact-Cache', answer.cached ? 'hit' : 'miss');
        return c.json(isStaff(p) ? answer.result : publicImpact(answer.result));
      }
      if (answer.status === 'failed') {
        c.header('Retry-After', '5');
        const code = answer.error?.code === 'timeout' ? 'timeout' : 'unavailable';
        return c.json(
          {
            ...answer,
            error: { code, message: answer.error?.message ?? 'the impact computation failed' },
          },
          503,
        );
      }
      c.header('Retry-After', '1');
      return c.json(answer, 202);
    })
    .get('/:id/impact/layers/:layer', valid('param', LayerParam), async (c) => {
      const p = principalOf(c);
      const { id: sid, layer } = c.req.valid('param');
      if (!(IMPACT_LAYERS as readonly string[]).includes(layer)) {
        throw new ApiError(404, 'not_found', `impact layers: ${IMPACT_LAYERS.join(', ')}`);
      }
      await findScenarioFor(db, sid, viewerOf(p), 'read');
      // Which pipes and lines a scenario overloads is staff detail (issue #9).
      if (layer === 'utilities' && !isStaff(p)) throw denied(p, 'the utilities layer is for staff');
      const result = await impacts.result(sid, impacts.timeoutMs);
      c.header('Content-Type', 'application/geo+json');
      return c.body(JSON.stringify(await impactLayer(db, result, layer as ImpactLayer)));
    });
}

/**
 * `/api/impact`:
 *   GET /calibration[?wait=s] — the calibrated baseline's report, `{calibrated_at, hours_of_data,
 *     geh_lt_5_share, sites: [{sensor, observed_veh_h, modelled_veh_h, geh}]}`; 202 with the
 *     baseline job's status while it is being built. Before there are enough peak-hour counts
 *     `calibrated_at` is null and the sites compare the uncalibrated model with them.
 */
export function impactRoutes({ impacts }: { impacts: ImpactService }) {
  return new Hono().get('/calibration', valid('query', WaitQuery), async (c) => {
    const answer = await impacts.calibration(c.req.valid('query').wait);
    if ('pending' in answer) {
      c.header('Retry-After', '1');
      const j = answer.pending;
      return c.json(
        {
          status: j.state,
          phase: j.phase,
          queued_at: j.queuedAt.toISOString(),
          started_at: j.startedAt?.toISOString() ?? null,
        },
        202,
      );
    }
    const { report, calibration } = answer.summary;
    return c.json(
      report ?? {
        calibrated_at: null,
        hours_of_data: calibration.hours_of_data,
        geh_lt_5_share: 0,
        sites: [],
      },
    );
  });
}
