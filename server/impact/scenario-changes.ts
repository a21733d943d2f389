import type { EditYield, YieldFigures } from '../../common/scenario-types';
import type { Baseline } from './baseline';
import { baselineBuildingYield } from './baseline';
import type { FactorSet, Use } from './factors';
import { foldEdits, type EditRow } from './scenario-state';
import { addYield, buildingYield, useMix, ZERO_YIELD, type BuildingYield } from './yield';

/** A building whose yield the scenario changes: added (from null), changed, or demolished (to null). */
export interface DemandPoint {
  x: number;
  y: number;
  from: BuildingYield | null;
  to: BuildingYield | null;
}

/** A footprint whose height the scenario sets (EPSG:3857 rings). */
export interface HeightChange {
  editId: string;
  buildingId: string | null;
  /** Outer rings of the footprint, EPSG:3857. */
  rings: [number, number][][];
  heightM: number;
  /** Height before the scenario (0 for added buildings). */
  baseHeightM: number;
}

/** The scenario's edits folded into what the models read. */
export interface ScenarioChanges {
  edits: EditRow[];
  state: ReturnType<typeof foldEdits>;
  yield: YieldFigures;
  perEdit: EditYield[];
  demand: DemandPoint[];
  heights: HeightChange[];
  /** Baseline buildings the scenario removes (demolished). */
  removed: Set<string>;
  /** Factor keys the yield of the changed buildings read (each model cites those of its list). */
  used: Set<string>;
}

const round = (v: number, d = 2) => (Number.isFinite(v) ? Math.round(v * 10 ** d) / 10 ** d : v);

export function yieldJson(y: YieldFigures): YieldFigures {
  return {
    gfa_m2: round(y.gfa_m2, 1),
    nia_m2: round(y.nia_m2, 1),
    dwellings: round(y.dwellings, 1),
    residents: round(y.residents, 1),
    jobs: round(y.jobs, 1),
  };
}

/** The use mix of an edit payload (`use` or `uses`). */
function usesOf(
  p: { use?: string | null; uses?: Record<string, number> | null },
  factors: FactorSet,
): Partial<Record<Use, number>> {
  if (p.uses) return p.uses as Partial<Record<Use, number>>;
  return useMix(p.use ?? 'residential', factors);
}

function outerRings(shape: string | null): [number, number][][] {
  if (!shape) return [];
  const g = JSON.parse(shape) as { type: string; coordinates: unknown };
  if (g.type === 'Polygon') return [(g.coordinates as [number, number][][])[0]!];
  if (g.type === 'MultiPolygon') return (g.coordinates as [number, number][][][]).map((p) => p[0]!);
  return [];
}

/** Folds the edits and computes the yield of every building they touch, before and after. */
export function scenarioChanges(base: Baseline, edits: EditRow[]): ScenarioChanges {
  const { factors, city } = base;
  const state = foldEdits(edits);
  let scenarioYield: YieldFigures = { ...base.yield };
  const demand: DemandPoint[] = [];
  const perEdit: ScenarioChanges['perEdit'] = [];
  const heights: HeightChange[] = [];
  const removed = new Set<string>();

  for (const e of state.added) {
    const p = e.payload as {
      floors?: number;
      height_m?: number;
      use?: string;
      uses?: Record<string, number>;
    };
    const y = buildingYield(
      {
        footprintM2: e.area_m2 ?? 0,
        floors: p.floors,
        heightM: p.height_m,
        uses: usesOf(p, factors),
      },
      factors,
    );
    scenarioYield = addYield(scenarioYield, y);
    demand.push({ x: e.x!, y: e.y!, from: null, to: y });
    perEdit.push({
      edit_id: e.id,
      kind: e.kind,
      building_id: null,
      floors: y.floors,
      height_m: round(y.height_m, 1),
      ...yieldJson(y),
      delta: yieldJson(y),
    });
    heights.push({
      editId: e.id,
      buildingId: null,
      rings: outerRings(e.shape),
      heightM: y.height_m,
      baseHeightM: 0,
    });
  }
  for (const c of state.buildings.values()) {
    const i = city.buildings.index.get(c.buildingId);
    if (i === undefined) continue;
    const before = baselineBuildingYield(city, i, factors);
    let after: BuildingYield | null = null;
    if (c.removed) removed.add(c.buildingId);
    else {
      const floors = c.floors ?? (c.heightM === null ? before.floors : null);
      after = buildingYield(
        {
          footprintM2: city.buildings.footprintM2[i]!,
          floors,
          heightM: c.heightM,
          uses:
            c.use || c.uses
              ? usesOf({ use: c.use, uses: c.uses }, factors)
              : useMix(city.buildings.use[i]!, factors),
        },
        factors,
      );
      heights.push({
        editId: c.editId,
        buildingId: c.buildingId,
        rings: outerRings(c.shape),
        heightM: after.height_m,
        baseHeightM: city.buildings.heightM[i]!,
      });
    }
    scenarioYield = addYield(addYield(scenarioYield, before, -1), after ?? ZERO_YIELD);
    demand.push({ x: city.buildings.x[i]!, y: city.buildings.y[i]!, from: before, to: after });
    perEdit.push({
      edit_id: c.editId,
      kind: c.removed ? 'demolish_building' : 'change_building',
      building_id: c.buildingId,
      floors: after?.floors ?? 0,
      height_m: round(after?.height_m ?? 0, 1),
      ...yieldJson(after ?? ZERO_YIELD),
      delta: yieldJson(addYield(after ?? ZERO_YIELD, before, -1)),
    });
  }
  const used = new Set<string>();
  for (const d of demand)
    for (const y of [d.from, d.to]) for (const k of y?.factors ?? []) used.add(k);
  return { edits, state, yield: scenarioYield, perEdit, demand, heights, removed, used };
}
