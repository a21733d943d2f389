import { describe, expect, it } from 'vitest';
import { calibrationReport, gehShare, geh, type CountSite } from './odme';
import type { TrafficBaseline } from './traffic-model';

/** The modelled flow whose GEH against `observed` is `target` (above the count), by bisection. */
function modelledFor(observed: number, target: number): number {
  let lo = observed;
  let hi = observed * 10;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (geh(mid, observed) < target) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

describe('calibration report', () => {
  // Three count sites: GEH 1, GEH 4.9998 (published as 5.000) and GEH 6.
  const observed = [400, 400, 400];
  const volume = Float64Array.from([
    modelledFor(400, 1),
    modelledFor(400, 4.9998),
    modelledFor(400, 6),
  ]);
  // calibrationReport and gehShare read only the links' volumes of the baseline.
  const base = { links: { volume } } as unknown as TrafficBaseline;
  const sites: CountSite[] = observed.map((o, i) => ({ sensor: `s${i}`, link: i, observed: o }));

  it('counts a site below GEH 5 by the figure it publishes', () => {
    const report = calibrationReport(base, sites, 1);
    expect(report.sites.map((s) => s.geh)).toEqual([1, 5, 6]);
    const shown = report.sites.filter((s) => s.geh < 5).length / report.sites.length;
    expect(report.geh_lt_5_share).toBeCloseTo(shown, 4);
    expect(report.geh_lt_5_share).toBeCloseTo(1 / 3, 4);
    expect(gehShare(base, sites)).toBeCloseTo(1 / 3, 10);
  });
});
