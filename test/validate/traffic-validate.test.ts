import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { TrafficValidation } from '../../server/validate/validate-traffic';

const run = promisify(execFile);
const ROOT = new URL('../..', import.meta.url).pathname;
const SIOUX = join(ROOT, '../shared/data/tntp/SiouxFalls');
const HAS_SIOUX = existsSync(`${SIOUX}_net.tntp`);
if (!HAS_SIOUX)
  console.warn(`[skipped] Sioux Falls validation: ${SIOUX}_net.tntp is absent (../shared/data)`);

/** `npm run validate -- traffic <prefix> --json …`, as a planner would run it. */
async function validate(prefix: string, ...args: string[]): Promise<TrafficValidation> {
  const { stdout } = await run(
    'npm',
    ['run', '-s', 'validate', '--', 'traffic', prefix, '--json', ...args],
    { cwd: ROOT },
  );
  const out = JSON.parse(stdout.trim().split('\n').pop()!) as TrafficValidation;
  expect(Object.keys(out).sort()).toEqual([
    'flow_rmse_rel',
    'iterations',
    'max_rel_err',
    'objective',
    'relative_gap',
    'seconds',
  ]);
  return out;
}

const dir = mkdtempSync(join(tmpdir(), 'tntp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a small TNTP problem: links as [from, to, capacity, length, fft, b, power, toll]. */
function tntp(
  name: string,
  zones: number,
  firstThru: number,
  links: number[][],
  trips: [number, number, number][],
  flows?: [number, number, number][],
) {
  const nodes = Math.max(...links.flatMap((l) => [l[0]!, l[1]!]));
  const net = [
    `<NUMBER OF ZONES> ${zones}`,
    `<NUMBER OF NODES> ${nodes}`,
    `<FIRST THRU NODE> ${firstThru}`,
    `<NUMBER OF LINKS> ${links.length}`,
    '<END OF METADATA>',
    '',
    '~ init_node term_node capacity length free_flow_time b power speed toll link_type ;',
    ...links.map(
      ([a, b, c, len, t, bb, p, toll]) =>
        `\t${a}\t${b}\t${c}\t${len}\t${t}\t${bb}\t${p}\t0\t${toll ?? 0}\t1\t;`,
    ),
  ].join('\n');
  const byOrigin = new Map<number, string[]>();
  for (const [o, d, v] of trips) byOrigin.set(o, [...(byOrigin.get(o) ?? []), `${d} : ${v};`]);
  const tripText = [
    `<NUMBER OF ZONES> ${zones}`,
    `<TOTAL OD FLOW> ${trips.reduce((s, t) => s + t[2], 0)}`,
    '<END OF METADATA>',
    '',
    ...[...byOrigin].map(([o, ds]) => `Origin ${o}\n    ${ds.join(' ')}`),
  ].join('\n');
  const prefix = join(dir, name);
  writeFileSync(`${prefix}_net.tntp`, net);
  writeFileSync(`${prefix}_trips.tntp`, tripText);
  if (flows)
    writeFileSync(
      `${prefix}_flow.tntp`,
      ['From\tTo\tVolume\tCost', ...flows.map((f) => f.join('\t'))].join('\n'),
    );
  return prefix;
}

describe('npm run validate -- traffic', () => {
  it.skipIf(!HAS_SIOUX)('reproduces the best-known Sioux Falls equilibrium (TNTP)', async () => {
    const r = await validate(SIOUX);
    expect(r.relative_gap).toBeLessThanOrEqual(1e-4);
    expect(r.flow_rmse_rel!).toBeLessThanOrEqual(1e-3);
    // Published objective 42.31335 in units of 10⁵ (minutes × trips): within 1e-4 relative.
    expect(Math.abs(r.objective / 1e5 - 42.31335) / 42.31335).toBeLessThanOrEqual(1e-4);
  });

  it('never routes through a zone centroid, even where that would be shorter', async () => {
    // Zones 1–3 are centroids (<FIRST THRU NODE> 4). 1 → 3 → 2 takes 2 min through zone 3;
    // the only legal route is 1 → 4 → 5 → 2 (7 min). Fixed times (b = 0).
    const links = [
      [1, 3, 1e4, 1, 1, 0, 4],
      [3, 2, 1e4, 1, 1, 0, 4],
      [1, 4, 1e4, 1, 1, 0, 4],
      [4, 5, 1e4, 1, 5, 0, 4],
      [5, 2, 1e4, 1, 1, 0, 4],
    ];
    const legal = tntp(
      'centroid',
      3,
      4,
      links,
      [[1, 2, 100]],
      [
        [1, 3, 0],
        [3, 2, 0],
        [1, 4, 100],
        [4, 5, 100],
        [5, 2, 100],
      ],
    );
    const r = await validate(legal);
    expect(r.flow_rmse_rel).toBeLessThan(1e-9);
    expect(r.objective).toBeCloseTo(700, 6); // 100 trips × 7 min
    // The same network with every node open to through traffic takes the 2-minute route.
    const open = tntp(
      'open',
      3,
      1,
      links,
      [[1, 2, 100]],
      [
        [1, 3, 100],
        [3, 2, 100],
        [1, 4, 0],
        [4, 5, 0],
        [5, 2, 0],
      ],
    );
    expect((await validate(open)).flow_rmse_rel).toBeLessThan(1e-9);
  });

  it('assigns on generalised cost: time + toll factor × toll + distance factor × length', async () => {
    // Two routes for 1,000 trips with linear BPR (power 1): A = 1→3→2, t = 10 (1 + v/1000),
    // toll 4, length 5; B = 1→4→2, t = 12 (1 + v/1000), toll 0, length 2. At equilibrium
    // 10 + 0.01 vA + 4 f + 5 d = 24 − 0.012 vA + 2 d, so vA = (14 − 4 f − 3 d) ÷ 0.022.
    const links = [
      [1, 3, 1000, 5, 10, 1, 1, 4],
      [3, 2, 1e9, 0, 0, 0, 1, 0],
      [1, 4, 1000, 2, 12, 1, 1, 0],
      [4, 2, 1e9, 0, 0, 0, 1, 0],
    ];
    const flows = (vA: number): [number, number, number][] => [
      [1, 3, vA],
      [3, 2, vA],
      [1, 4, 1000 - vA],
      [4, 2, 1000 - vA],
    ];
    const time = tntp('time', 2, 3, links, [[1, 2, 1000]], flows(14 / 0.022));
    expect((await validate(time)).flow_rmse_rel).toBeLessThan(1e-4);
    const toll = tntp('toll', 2, 3, links, [[1, 2, 1000]], flows(10 / 0.022));
    expect((await validate(toll, '--toll-factor', '1')).flow_rmse_rel).toBeLessThan(1e-4);
    expect((await validate(toll)).flow_rmse_rel).toBeGreaterThan(0.1); // without the toll it is not that answer
    const distance = tntp('distance', 2, 3, links, [[1, 2, 1000]], flows(500));
    expect((await validate(distance, '--distance-factor', '1')).flow_rmse_rel).toBeLessThan(1e-4);
  });
});
