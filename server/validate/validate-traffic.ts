import { assignUserEquilibrium } from '../impact/assignment';
import { compareFlows, loadTntp } from '../impact/tntp';

export interface TrafficValidation {
  iterations: number;
  relative_gap: number;
  objective: number;
  seconds: number;
  flow_rmse_rel: number | null;
  max_rel_err: number | null;
}

export interface TrafficValidationOptions {
  tollFactor?: number;
  distanceFactor?: number;
  /** Target relative gap (default 1e-6, well past the 1e-4 convergence standard). */
  gap?: number;
  maxIterations?: number;
}

/**
 * Solves a TNTP problem to user equilibrium and compares it with its published flows: the same
 * solver and graph the impact engine uses, on the files alone. The objective is the Beckmann
 * objective in the file's units (TNTP: minutes × trips), as published with the flow files.
 */
export function validateTraffic(
  prefix: string,
  options: TrafficValidationOptions = {},
): TrafficValidation {
  const problem = loadTntp(prefix, {
    tollFactor: options.tollFactor,
    distanceFactor: options.distanceFactor,
  });
  const started = performance.now();
  const r = assignUserEquilibrium(
    problem.graph,
    { nodes: problem.zones, trips: problem.trips },
    { gap: options.gap ?? 1e-6, maxIterations: options.maxIterations ?? 1000 },
  );
  const seconds = (performance.now() - started) / 1000;
  const cmp = compareFlows(problem, r.flow);
  return {
    iterations: r.iterations,
    relative_gap: r.relativeGap,
    objective: r.objective,
    seconds,
    flow_rmse_rel: cmp?.flowRmseRel ?? null,
    max_rel_err: cmp?.maxRelErr ?? null,
  };
}
