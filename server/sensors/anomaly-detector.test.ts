import { describe, expect, it } from 'vitest';
import { AnomalyDetector } from './anomaly-detector';

const sensor = { id: '1', kind: 'water_pressure', reference: 4 };
const peer = { id: '2', kind: 'water_pressure', reference: 4 };
const wobble = (i: number) => 4 + 0.05 * Math.sin(i);

describe('anomaly detector', () => {
  it('flags a reading beyond k sigma as a spike and closes it when readings return to normal', () => {
    const d = new AnomalyDetector();
    for (let i = 0; i < 40; i++) expect(d.observe(sensor, i * 60_000, wobble(i))).toEqual([]);
    const spike = d.observe(sensor, 40 * 60_000, 9);
    expect(spike).toMatchObject([{ kind: 'spike', action: 'open', value: 9 }]);
    expect(d.observe(sensor, 41 * 60_000, wobble(41))).toMatchObject([
      { kind: 'spike', action: 'close' },
    ]);
  });

  it('flags a run of identical readings as stuck', () => {
    const d = new AnomalyDetector({ stuckRun: 5 });
    const events = Array.from({ length: 6 }, (_, i) => d.observe(sensor, i * 60_000, 3.3)).flat();
    expect(events.filter((e) => e.kind === 'stuck' && e.action === 'open').length).toBeGreaterThan(
      0,
    );
  });

  it('flags a sensor drifting away from its peers, not the daily cycle they share', () => {
    const d = new AnomalyDetector();
    const events = [];
    const peers = Array.from({ length: 9 }, (_, k) => ({ ...peer, id: `p${k}` }));
    for (let i = 0; i < 400; i++) {
      const cycle = 1 + 0.3 * Math.sin((i / 60) * Math.PI);
      for (const p of peers)
        events.push(...d.observe(p, i * 60_000, 4 * cycle + 0.01 * Math.sin(i * 7)));
      events.push(
        ...d.observe(sensor, i * 60_000, 4 * cycle * (1 + i / 400) + 0.01 * Math.cos(i * 5)),
      );
    }
    expect(
      events.some((e) => e.sensorId === '1' && e.kind === 'drift' && e.action === 'open'),
    ).toBe(true);
    expect(events.some((e) => e.sensorId.startsWith('p') && e.kind === 'drift')).toBe(false);
  });

  it('flags silence after N missed intervals and clears it on the next reading', () => {
    const d = new AnomalyDetector({ silentIntervals: 5 });
    d.observe(sensor, 0, 4);
    expect(d.silent(4 * 60_000, () => 60)).toEqual([]);
    expect(d.silent(6 * 60_000, () => 60)).toMatchObject([
      { sensorId: '1', kind: 'silence', action: 'open' },
    ]);
    expect(d.observe(sensor, 7 * 60_000, 4)).toMatchObject([{ kind: 'silence', action: 'close' }]);
  });
});
