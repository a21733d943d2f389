import { CHANGE_KINDS, changeKind } from './layers/changes-layer';

const n = (v: unknown, digits = 0) =>
  Number(v).toLocaleString('en-GB', { maximumFractionDigits: digits });
const signed = (v: number) => `${v > 0 ? '+' : ''}${n(v)}`;
const ASSET: Record<string, string> = {
  water_pipe: 'Water pipe',
  water_node: 'Water node',
  power_line: 'Power line',
  power_node: 'Power node',
};
/** A network check's metric in words (the impact panel and the hover text). */
export const METRIC: Record<string, string> = {
  pressure_m: 'pressure',
  velocity_m_s: 'velocity',
  headloss_m_per_km: 'head loss',
  loading: 'loading',
  voltage_pu: 'voltage',
};

/** What an edit changes, in words ("closed", "12 floors, office"). */
export function editFacts(p: Record<string, unknown>): string[] {
  const facts: string[] = [];
  if (p.closed) facts.push('closed to traffic');
  if (p.lanes) facts.push(`${n(p.lanes)} lane${Number(p.lanes) === 1 ? '' : 's'}`);
  if (p.speed_limit_kmh) facts.push(`${n(p.speed_limit_kmh)} km/h`);
  if (p.floors) facts.push(`${n(p.floors)} floors`);
  if (p.height_m) facts.push(`${n(p.height_m, 1)} m`);
  if (p.use) facts.push(String(p.use));
  return facts;
}

/**
 * The hover card's text for layers that are not in the layer catalogue (scenario changes and
 * impact layers, issue #12): a title and facts in words, never an internal layer id.
 */
export function describeHover(
  layer: string,
  p: Record<string, unknown>,
): { title: string; facts: string[] } | null {
  if (layer === 'changes') {
    const kind = CHANGE_KINDS.find((k) => k.value === changeKind(p as { kind: string }));
    const target = (p.target ?? {}) as { name?: string | null };
    const name = (p.name as string | undefined) ?? target.name ?? null;
    return { title: `${kind?.label ?? 'Change'}${name ? `: ${name}` : ''}`, facts: editFacts(p) };
  }
  if (layer === 'impact-traffic') {
    const change = Number(p.change);
    return {
      title: `${p.name ?? 'Road'}: ${signed(change)} vehicles per peak hour`,
      facts: [`${n(p.baseline_volume)} → ${n(p.volume)} veh/h`, `volume ÷ capacity ${n(p.vc, 2)}`],
    };
  }
  if (layer === 'impact-utilities') {
    return {
      title: `${ASSET[String(p.asset)] ?? 'Asset'} ${p.id ?? ''}: ${METRIC[String(p.metric)] ?? p.metric}`,
      facts: [
        `${n(p.baseline, 2)} → ${n(p.value, 2)} ${p.unit ?? ''}`,
        `limit ${n(p.limit, 2)}`,
        `${n(100 * Number(p.ratio))} % of the limit`,
      ],
    };
  }
  return null;
}
