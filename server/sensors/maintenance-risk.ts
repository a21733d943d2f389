import { sql, type Kysely } from 'kysely';
import type { Database } from '../../schema/database';
import type { MaintenanceRisk, SensorAssetType } from '../../common/sensor-types';

/**
 * How much one alert of a kind says about the asset's condition (drift and stuck readings
 * point to a failing instrument or asset; a single spike or silence much less). An open alert
 * counts twice.
 */
export const ALERT_WEIGHTS: Record<string, number> = { spike: 1, silence: 1, stuck: 2, drift: 3 };
/** Weighted alerts at which risk reaches 1 − 1/e ≈ 0.63. */
const SCALE = 6;

/** risk = 1 − exp(−Σ weights / SCALE): 0 with no alerts, approaching 1 with many. */
export function riskScore(alerts: Record<string, number>, open: number): number {
  let w = 0;
  for (const [kind, n] of Object.entries(alerts)) w += (ALERT_WEIGHTS[kind] ?? 1) * n;
  w += open;
  return Math.round((1 - Math.exp(-w / SCALE)) * 1000) / 1000;
}

/**
 * A maintenance-risk score per water and power asset from its sensors' alerts in the last 30
 * days. Assets whose sensors never raised an alert score 0 and are listed too.
 */
export async function maintenanceRisk(
  db: Kysely<Database>,
  assetType?: SensorAssetType,
): Promise<MaintenanceRisk[]> {
  const types = assetType ? [assetType] : ['water_pipe', 'water_node', 'power_line', 'power_node'];
  const { rows } = await sql<{
    asset_type: SensorAssetType;
    asset_id: string | number;
    kind: string | null;
    n: number | string;
    open: number | string;
  }>`SELECT s.asset_type, s.asset_id, a.kind, count(a.id) AS n,
        count(a.id) FILTER (WHERE a.closed_at IS NULL) AS open
      FROM sensors s
      LEFT JOIN sensor_alerts a ON a.sensor_id = s.id AND a.opened_at > now() - interval '30 days'
      WHERE s.asset_type IN (SELECT jsonb_array_elements_text(${JSON.stringify(types)}::text::jsonb))
      GROUP BY s.asset_type, s.asset_id, a.kind`.execute(db);
  const byAsset = new Map<string, MaintenanceRisk>();
  for (const r of rows) {
    const key = `${r.asset_type}:${r.asset_id}`;
    const entry =
      byAsset.get(key) ??
      ({
        asset_type: r.asset_type,
        asset_id: String(r.asset_id),
        risk: 0,
        alerts: {},
        open_alerts: 0,
      } as MaintenanceRisk);
    if (r.kind) {
      entry.alerts[r.kind] = Number(r.n);
      entry.open_alerts += Number(r.open);
    }
    byAsset.set(key, entry);
  }
  const out = [...byAsset.values()];
  for (const e of out) e.risk = riskScore(e.alerts, e.open_alerts);
  return out.sort((a, b) => b.risk - a.risk);
}
