import type { CalibrationReport, CalibrationSummary } from '../../common/scenario-types';
import { resolveBaseline, type TrafficBaseline } from './traffic-model';

/** A traffic count site: the observed peak-hour flow on one road link (both directions), veh/h. */
export interface CountSite {
  sensor: string;
  /** Index into the baseline road links. */
  link: number;
  observed: number;
}

export interface CountData {
  sites: { sensor: string; linkId: string; observed: number; readings: number }[];
  /** Hours of peak-hour counts the observations rest on (sum over days of the window covered). */
  hoursOfData: number;
  /** Below this many hours the prior matrix is kept (a few minutes of data must not swing it). */
  minHours: number;
}

/** GEH statistic of a modelled flow m against an observed count c (veh/h): √(2 (m − c)² ÷ (m + c)). */
export function geh(m: number, c: number): number {
  return m + c > 0 ? Math.sqrt((2 * (m - c) ** 2) / (m + c)) : 0;
}

const OUTER = 3;
const INNER = 40;
/** Re-assignments between estimation steps stop at this gap; the last one at the baseline's. */
export const INTERMEDIATE_GAP = 1e-3;

/**
 * Origin–destination matrix estimation to counts by Spiess's gradient method (Spiess, "A gradient
 * approach for the O-D matrix adjustment problem", CRT Montréal 693, 1990): minimise
 * ½ Σ_a (v_a − ĉ_a)² over counted links with multiplicative steps T ← T · (1 − λ·∂Z/∂T), which
 * keeps the prior's structure (no new pairs, no sign changes) and stops near it. Link shares of
 * each pair come from the equilibrium's own path flows; after every few steps the matrix is
 * re-assigned (warm-started), so the shares follow the congestion the new matrix causes.
 * Deterministic: the same counts give the same matrix.
 */
export function estimateOd(base: TrafficBaseline, sites: readonly CountSite[]): TrafficBaseline {
  if (sites.length === 0) return base;
  const z = base.centroids.length;
  let current = base;
  const siteOfLink = new Int32Array(base.net.links.length).fill(-1);
  sites.forEach((s, i) => (siteOfLink[s.link] = i));
  const observed = Float64Array.from(sites, (s) => s.observed);
  for (let outer = 0; outer < OUTER; outer++) {
    // Sparse shares: for each pair, the sites its trips cross and the share crossing each.
    const pairIndex: number[] = [];
    const start: number[] = [0];
    const siteIdx: number[] = [];
    const share: number[] = [];
    const mark = new Int32Array(sites.length).fill(-1);
    const { paths, flows } = current.result.state;
    const g = current.graph;
    for (let k = 0; k < z * z; k++) {
      const ps = paths[k];
      const fs = flows[k];
      const t = current.od[k]!;
      if (!ps || !fs || !(t > 0)) continue;
      const first = siteIdx.length;
      ps.forEach((p, pi) => {
        const w = fs[pi]! / t;
        if (!(w > 0)) return;
        for (let i = 0; i < p.length; i++) {
          const s = siteOfLink[g.link[p[i]!]!]!;
          if (s < 0 || !current.roadArc[p[i]!]) continue;
          if (mark[s]! < first) {
            mark[s] = siteIdx.length;
            siteIdx.push(s);
            share.push(w);
          } else share[mark[s]!] = share[mark[s]!]! + w;
        }
      });
      if (siteIdx.length > first) {
        pairIndex.push(k);
        start.push(siteIdx.length);
      }
    }
    // Link volumes on counted links from pairs that do not cross any site stay fixed; the
    // modelled count is Σ share · T over the pairs that do.
    const od = current.od.slice();
    const modelled = new Float64Array(sites.length);
    const grad = new Float64Array(pairIndex.length);
    const dv = new Float64Array(sites.length);
    for (let inner = 0; inner < INNER; inner++) {
      modelled.fill(0);
      pairIndex.forEach((k, j) => {
        for (let e = start[j]!; e < start[j + 1]!; e++) modelled[siteIdx[e]!] += share[e]! * od[k]!;
      });
      let maxGrad = 0;
      pairIndex.forEach((_, j) => {
        let gsum = 0;
        for (let e = start[j]!; e < start[j + 1]!; e++)
          gsum += share[e]! * (modelled[siteIdx[e]!]! - observed[siteIdx[e]!]!);
        grad[j] = gsum;
        if (gsum > maxGrad) maxGrad = gsum;
      });
      // dv/dλ along T·(1 − λ g): −Σ share · T · g.
      dv.fill(0);
      pairIndex.forEach((k, j) => {
        const d = od[k]! * grad[j]!;
        for (let e = start[j]!; e < start[j + 1]!; e++) dv[siteIdx[e]!] += share[e]! * d;
      });
      let num = 0;
      let den = 0;
      for (let s = 0; s < sites.length; s++) {
        num += dv[s]! * (modelled[s]! - observed[s]!);
        den += dv[s]! * dv[s]!;
      }
      if (!(den > 0)) break;
      let lambda = num / den;
      if (maxGrad > 0) lambda = Math.min(lambda, 0.5 / maxGrad);
      if (!(lambda > 0)) break;
      pairIndex.forEach((k, j) => (od[k] = od[k]! * Math.max(0, 1 - lambda * grad[j]!)));
    }
    current = resolveBaseline(current, od, outer === OUTER - 1 ? undefined : INTERMEDIATE_GAP);
  }
  return current;
}

/** Modelled against observed flow per site, GEH per site and the share below 5 (DMRB TA 46/97). */
export function calibrationReport(
  base: TrafficBaseline,
  sites: readonly CountSite[],
  hoursOfData: number,
  calibrated = true,
): CalibrationReport {
  let ok = 0;
  const rows = sites.map((s) => {
    const m = base.links.volume[s.link]!;
    // The share counts the GEH as published, so a site shown as 5.000 is never among those below 5.
    const g = round(geh(m, s.observed), 3);
    if (g < 5) ok++;
    return {
      sensor: s.sensor,
      observed_veh_h: round(s.observed, 1),
      modelled_veh_h: round(m, 1),
      geh: g,
    };
  });
  return {
    calibrated_at: calibrated ? new Date().toISOString() : null,
    hours_of_data: round(hoursOfData, 2),
    geh_lt_5_share: rows.length > 0 ? round(ok / rows.length, 4) : 0,
    sites: rows,
  };
}

export function gehShare(base: TrafficBaseline, sites: readonly CountSite[]): number {
  if (sites.length === 0) return 0;
  return (
    sites.filter((s) => round(geh(base.links.volume[s.link]!, s.observed), 3) < 5).length /
    sites.length
  );
}

export const CALIBRATION_METHOD =
  'OD matrix estimation to peak-hour counts (Spiess gradient, path shares from the equilibrium)';

/** The baseline calibrated to counts when there are enough of them, with its report. */
export function calibrate(
  prior: TrafficBaseline,
  counts: CountData | null,
): { traffic: TrafficBaseline; report: CalibrationReport | null; summary: CalibrationSummary } {
  const sites: CountSite[] = [];
  const linkIndex = new Map(prior.net.links.map((l, i) => [l.id, i]));
  for (const s of counts?.sites ?? []) {
    const link = linkIndex.get(s.linkId) ?? -1;
    if (link < 0 || !Number.isFinite(s.observed) || s.observed < 0) continue;
    // Two sensors on one link are one count site (the first sensor names it, the mean counts).
    const same = sites.find((x) => x.link === link);
    if (same) same.observed = (same.observed + s.observed) / 2;
    else sites.push({ sensor: s.sensor, link, observed: s.observed });
  }
  const none = (status: CalibrationSummary['status']): CalibrationSummary => ({
    status,
    calibrated_at: null,
    hours_of_data: round(counts?.hoursOfData ?? 0, 2),
    sites: sites.length,
    geh_lt_5_share: null,
    prior_geh_lt_5_share: sites.length > 0 ? round(gehShare(prior, sites), 4) : null,
    method: CALIBRATION_METHOD,
  });
  if (!counts || sites.length === 0)
    return { traffic: prior, report: null, summary: none('no_counts') };
  if (counts.hoursOfData < counts.minHours) {
    return {
      traffic: prior,
      report: calibrationReport(prior, sites, counts.hoursOfData, false),
      summary: none('insufficient_data'),
    };
  }
  const traffic = estimateOd(prior, sites);
  const report = calibrationReport(traffic, sites, counts.hoursOfData);
  return {
    traffic,
    report,
    summary: {
      status: 'calibrated',
      calibrated_at: report.calibrated_at!,
      hours_of_data: report.hours_of_data,
      sites: sites.length,
      geh_lt_5_share: report.geh_lt_5_share,
      prior_geh_lt_5_share: round(gehShare(prior, sites), 4),
      method: CALIBRATION_METHOD,
    },
  };
}

const round = (v: number, d: number) => Math.round(v * 10 ** d) / 10 ** d;
