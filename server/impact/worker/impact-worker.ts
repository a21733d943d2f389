import { parentPort } from 'node:worker_threads';
import { buildBaseline, type Baseline, type BaselineInput } from '../baseline';
import { computeImpact } from '../engine';
import type { ScenarioInputs } from '../scenario-inputs';
import { demoWorld, type WorldOptions } from '../demo-world';
import { networkImpact } from '../models/network-impact';
import { powerChecks } from '../models/power-impact';
import { waterChecks } from '../models/water-impact';

/**
 * An impact worker thread: holds one baseline in memory (the latest built) and computes impacts
 * against it, so no model ever runs on the server's event loop. Requests carry an `id`; replies
 * are `progress` (phase) and then `done` (value) or `error` (message).
 */
export type WorkerRequest =
  | { id: number; type: 'baseline'; input: BaselineInput }
  | { id: number; type: 'impact'; key: string; inputs: ScenarioInputs }
  | { id: number; type: 'world'; key: string; options: WorldOptions };

export type WorkerReply =
  | { id: number; type: 'progress'; phase: string }
  | { id: number; type: 'done'; value: unknown }
  | { id: number; type: 'error'; message: string };

let baseline: Baseline | null = null;
const port = parentPort!;

function need(key: string): Baseline {
  if (!baseline || baseline.key !== key)
    throw new Error(`baseline ${key} is not loaded in this worker`);
  return baseline;
}

port.on('message', (msg: WorkerRequest) => {
  const progress = (phase: string) =>
    port.postMessage({ id: msg.id, type: 'progress', phase } satisfies WorkerReply);
  const run = async (): Promise<unknown> => {
    switch (msg.type) {
      case 'baseline': {
        baseline?.water.solver.close();
        baseline = null;
        const b = await buildBaseline(msg.input, progress);
        baseline = b;
        return {
          key: b.key,
          calibration: b.calibration,
          report: b.calibrationReport,
          kpis: b.traffic.kpis,
          gap: b.traffic.result.relativeGap,
          iterations: b.traffic.result.iterations,
          timings: b.timings,
          flagged: {
            water: countFlagged(b, 'water'),
            power: countFlagged(b, 'power'),
          },
        };
      }
      case 'impact':
        return computeImpact(need(msg.key), msg.inputs, progress);
      case 'world':
        return demoWorld(need(msg.key), msg.options);
    }
  };
  run().then(
    (value) => port.postMessage({ id: msg.id, type: 'done', value } satisfies WorkerReply),
    (error: Error) =>
      port.postMessage({
        id: msg.id,
        type: 'error',
        message: error.message ?? String(error),
      } satisfies WorkerReply),
  );
});

/** Assets the baseline itself flags, by the same checks the scenarios use. */
export function countFlagged(
  b: Baseline,
  network: 'water' | 'power',
): { flagged: number; total: number } {
  const checks =
    network === 'water'
      ? waterChecks(b, b.water.state, b.water.state)
      : powerChecks(b, b.power.state, b.power.state, { before: b.power.load, after: b.power.load });
  const r = networkImpact(
    network,
    checks,
    { unit: '', baselineDemand: 0, scenarioDemand: 0, baselineUnserved: 0, scenarioUnserved: 0 },
    {
      solver: { method: '', converged: true, detail: '' },
      outside_model: { buildings: 0, amount: 0, unit: '' },
      factors: [],
    },
  );
  return { flagged: r.baseline.flagged, total: r.assets_total };
}
