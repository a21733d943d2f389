import { describe, expect, it } from 'vitest';
import type { CityModel, UtilityModel } from './city-model';
import { ImpactPool, PoolClosedError, type WorkerSlot } from './impact-pool';
import { testFactors } from './test-factors';

const noUtility = (): UtilityModel => ({
  nodeId: [],
  kind: [],
  name: [],
  nodeCapacity: new Float64Array(0),
  nodeLevel: new Float64Array(0),
  nodeAttributes: [],
  x: new Float64Array(0),
  y: new Float64Array(0),
  edges: [],
});

/** A city of `n` buildings and no networks: its baseline's yield step alone takes seconds. */
function bigCity(n: number): CityModel {
  return {
    buildings: {
      id: Array.from({ length: n }, (_, i) => String(i)),
      index: new Map(),
      x: Float64Array.from({ length: n }, (_, i) => (i % 1000) * 20),
      y: Float64Array.from({ length: n }, (_, i) => Math.floor(i / 1000) * 20),
      footprintM2: new Float64Array(n).fill(400),
      levels: new Float64Array(n).fill(4),
      heightM: new Float64Array(n).fill(12),
      use: new Array<string>(n).fill('residential'),
    },
    roads: {
      nodeId: [],
      nodeIndex: new Map(),
      x: new Float64Array(0),
      y: new Float64Array(0),
      links: [],
      linkIndex: new Map(),
    },
    water: noUtility(),
    power: noUtility(),
  };
}

/** A pool of one worker whose reported failures are kept in `failures`. */
function reportingPool(): { pool: ImpactPool; failures: Error[] } {
  const failures: Error[] = [];
  const onError = (e: Error) => failures.push(e);
  return {
    pool: new ImpactPool({ workers: 1, queueSize: 4, timeoutMs: 600_000, onError }),
    failures,
  };
}

/**
 * Closing the pool (the server's shutdown) while a job runs in a worker, waits in the queue, or
 * is about to call its worker: every caller is told the service is shutting down, and none of it
 * is reported as a failed job (the log's 'impact job failed' is for real failures).
 */
describe('an impact pool closed with work in hand', () => {
  it('rejects the running, the queued and the late job with PoolClosedError and reports none', async () => {
    const { pool, failures } = reportingPool();
    const phases: string[] = [];
    let started!: () => void;
    const inWorker = new Promise<void>((resolve) => (started = resolve));
    const input = {
      key: 'big',
      city: bigCity(3_000_000),
      factors: testFactors().toJSON(),
      counts: null,
    };
    const running = pool.submit('running', (slot: WorkerSlot) =>
      slot.call({ type: 'baseline', input }, (p) => {
        phases.push(p);
        started();
      }),
    );
    const queued = pool.submit('queued', async () => 'never run');
    await inWorker;
    expect(phases).toEqual(['yield']);
    await pool.close();
    await expect(running.promise).rejects.toBeInstanceOf(PoolClosedError);
    await expect(queued.promise).rejects.toBeInstanceOf(PoolClosedError);
    const late = await pool.slots[0]!.call({
      type: 'world',
      key: 'big',
      options: { seed: 1 },
    }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(late).toBeInstanceOf(PoolClosedError);
    expect(running.state).toBe('failed');
    expect(failures).toEqual([]);
  }, 60_000);

  it('still reports a job that fails on its own', async () => {
    const { pool, failures } = reportingPool();
    try {
      const job = pool.submit('orphan', (slot: WorkerSlot) =>
        slot.call({ type: 'world', key: 'not built', options: { seed: 1 } }),
      );
      await expect(job.promise).rejects.toThrow(/baseline not built is not loaded/);
      expect(failures.map((e) => e.message)).toEqual([
        'baseline not built is not loaded in this worker',
      ]);
    } finally {
      await pool.close();
    }
  }, 60_000);
});
