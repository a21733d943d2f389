import { describe, expect, it } from 'vitest';
import { buildingYield, peakTrips, powerDemandKva, useMix, waterDemandLs } from './yield';
import { testFactors } from './test-factors';

const factors = testFactors();

describe('yield', () => {
  it('computes GFA and dwellings of a 30-floor residential tower from the factors', () => {
    // 20 m × 25 m footprint = 500 m²; 30 floors → 15 000 m² GFA; NIA 0.8 → 12 000 m²;
    // 80 m² per dwelling → 150 dwellings; 2 persons each → 300 residents.
    const y = buildingYield({ footprintM2: 500, floors: 30, uses: { residential: 1 } }, factors);
    expect(y.gfa_m2).toBe(15_000);
    expect(y.nia_m2).toBeCloseTo(12_000, 6);
    expect(y.dwellings).toBeCloseTo(150, 6);
    expect(y.residents).toBeCloseTo(300, 6);
    expect(y.jobs).toBe(0);
    expect(y.height_m).toBe(90);
    expect(y.factors).toEqual(
      expect.arrayContaining([
        'residential.net_efficiency',
        'residential.dwelling_size_m2',
        'residential.household_size',
      ]),
    );
  });

  it('derives floors from height ÷ storey height when floors are not given', () => {
    // 40 m office at 4 m per storey → 10 floors; 1 000 m² × 10 = 10 000 m² GFA; NIA 8 000; 10 m²/job.
    const y = buildingYield({ footprintM2: 1000, heightM: 40, uses: { office: 1 } }, factors);
    expect(y.floors).toBe(10);
    expect(y.gfa_m2).toBe(10_000);
    expect(y.jobs).toBeCloseTo(800, 6);
  });

  it('splits a use mix by share', () => {
    // 1 000 m² × 10 floors = 10 000 m²: 60 % residential (4 800 m² NIA → 60 dwellings),
    // 40 % office (3 200 m² NIA → 320 jobs).
    const y = buildingYield(
      { footprintM2: 1000, floors: 10, uses: { residential: 0.6, office: 0.4 } },
      factors,
    );
    expect(y.dwellings).toBeCloseTo(60, 6);
    expect(y.jobs).toBeCloseTo(320, 6);
    expect(useMix('mixed', factors)).toEqual({ residential: 0.7, retail: 0.3 });
  });

  it('turns yield into trips, water and power demand', () => {
    const y = buildingYield(
      { footprintM2: 1000, floors: 10, uses: { residential: 0.6, office: 0.4 } },
      factors,
    );
    // 60 dwellings × 0.5 + 4 000 m² office ÷ 100 × 2 = 30 + 80 = 110 trips.
    expect(peakTrips(y, factors)).toBeCloseTo(110, 6);
    // (120 residents × 100 + 320 jobs × 50) l/day × 2 ÷ 86 400 s = 0.648 l/s.
    expect(waterDemandLs(y, factors)).toBeCloseTo((28_000 * 2) / 86_400, 9);
    // 6 000 m² × 10 W + 4 000 m² × 50 W = 260 kW = 260 kVA at power factor 1.
    expect(powerDemandKva(y, factors)).toBeCloseTo(260, 9);
  });
});
