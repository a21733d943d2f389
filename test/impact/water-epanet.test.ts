import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CountType, InitHydOption, NodeProperty, Project } from 'epanet-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCityModel } from '../../server/impact/city-model';
import { epanetWorkspace, waterInp, WaterSolver } from '../../server/impact/water-model';
import { BACKENDS } from '../support/backends';
import { createTestTwin, type TestTwin } from '../support/twin';
import { runImport, SHARED_DATA } from '../imports/support';

const NET1 = join(SHARED_DATA, 'epanet/Net1.inp');
const KY4 = join(SHARED_DATA, 'water-ky4/ky4.inp');
const HAS_NET1 = existsSync(NET1);
const HAS_KY4 = existsSync(KY4);
if (!HAS_NET1 || !HAS_KY4)
  console.warn(
    `[skipped] EPANET reference networks: ${SHARED_DATA}epanet/Net1.inp or water-ky4/ky4.inp is absent`,
  );

const FT = 0.3048;

/** EPANET itself on the .inp file: pressure head (m) per junction id at time 0. */
async function epanetPressures(file: string): Promise<Map<string, number>> {
  const ws = await epanetWorkspace();
  const p = new Project(ws);
  ws.writeFile('reference.inp', readFileSync(file));
  p.open('reference.inp', 'reference.rpt', 'reference.out');
  // The first hydraulic period only (time 0): solveH would run the file's whole duration.
  p.openH();
  p.initH(InitHydOption.NoSave);
  p.runH();
  const us = p.getFlowUnits() < 5; // CFS, GPM, MGD, IMGD, AFD (0–4): heads in feet; LPS… (5–9): metres
  const out = new Map<string, number>();
  for (let i = 1; i <= p.getCount(CountType.NodeCount); i++) {
    if (p.getNodeType(i) !== 0) continue;
    const head = p.getNodeValue(i, NodeProperty.Head);
    const elev = p.getNodeValue(i, NodeProperty.Elevation);
    out.set(p.getNodeId(i), (head - elev) * (us ? FT : 1));
  }
  p.closeH();
  p.close();
  return out;
}

describe.each(BACKENDS)('water hydraulics by EPANET on %s', (kind) => {
  let twin: TestTwin;
  beforeAll(async () => {
    twin = await createTestTwin(kind);
  });
  afterAll(async () => {
    await twin?.impacts.close();
    await twin?.dispose();
  });

  it("gives the demo city's baseline headroom: at most 2 % of water and of power assets flagged", async () => {
    const b = await twin.impacts.baseline();
    expect(b.flagged.water.total).toBeGreaterThan(5000);
    expect(b.flagged.water.flagged / b.flagged.water.total).toBeLessThanOrEqual(0.02);
    expect(b.flagged.power.total).toBeGreaterThan(500);
    expect(b.flagged.power.flagged / b.flagged.power.total).toBeLessThanOrEqual(0.02);
  });

  it.skipIf(!HAS_NET1 || !HAS_KY4)(
    'solves imported Net1 and ky4 with the pressures EPANET gives on the files, within 0.1 m',
    async () => {
      // Both models go through the import (reader → database) and back out of the database.
      const net1 = await runImport(twin, NET1, { layer: 'water', name: 'Net1', srs: 'EPSG:3857' });
      expect(net1.error).toBeNull();
      const ky4 = await runImport(twin, KY4, { layer: 'water', name: 'ky4', srs: 'EPSG:3547' });
      expect(ky4.error).toBeNull();
      const city = await loadCityModel(twin.backend.db);
      const solver = await WaterSolver.open(waterInp(city.water));
      const state = solver.solve(new Float64Array(city.water.nodeId.length));
      solver.close();
      for (const [file, job] of [
        [NET1, net1],
        [KY4, ky4],
      ] as const) {
        const reference = await epanetPressures(file);
        const ids = new Set(
          (
            await twin.backend.db
              .selectFrom('water_nodes')
              .select('id')
              .where('dataset_id', '=', job.dataset_id!)
              .execute()
          ).map((r) => String(r.id)),
        );
        let compared = 0;
        let worst = 0;
        city.water.nodeId.forEach((id, i) => {
          if (!ids.has(id) || city.water.kind[i] !== 'junction') return;
          const ref = reference.get(city.water.name[i]!);
          expect(ref, `junction ${city.water.name[i]}`).toBeDefined();
          worst = Math.max(worst, Math.abs(state.pressure[i]! - ref!));
          compared++;
        });
        expect(compared).toBe(reference.size);
        console.info(
          `EPANET reference ${file.split('/').pop()}: ${compared} junctions, largest pressure difference ${worst.toExponential(2)} m`,
        );
        expect(worst, `largest pressure difference on ${file}`).toBeLessThanOrEqual(0.1);
      }
    },
  );
});
