import { describe, expect, it } from 'vitest';
import { BUILT_IN_LAYERS } from '../../../common/layer-catalog';
import { NOISE_ZONES, STREET_TREES } from '../../../test/support/extra-layers';
import { rampSize } from './color-ramps';
import { deckDrawOrder, LAYER_SPECS, layerSpecs } from './layer-specs';

const entry = (name: string) => BUILT_IN_LAYERS.find((e) => e.name === name)!;

describe('layer list from the catalogue', () => {
  it('lists labels, then the catalogue in panel order, with titles, legends and risk types', () => {
    expect(LAYER_SPECS.map((s) => s.id)).toEqual([
      'labels',
      'buildings',
      'power_nodes',
      'power_lines',
      'water_nodes',
      'water_pipes',
      'roads',
      'land_use',
    ]);
    expect(LAYER_SPECS.find((s) => s.id === 'water_pipes')).toMatchObject({
      title: 'Water pipes',
      singular: 'Water pipe',
      kind: 'deck',
      defaultVisible: false,
      riskAssetType: 'water_pipe',
      legend: [{ kind: 'ramp', title: 'Diameter' }],
    });
    expect(LAYER_SPECS.find((s) => s.id === 'land_use')?.kind).toBe('basemap');
  });

  it('draws deck.gl layers lines first, then buildings, then point symbols', () => {
    expect(deckDrawOrder(BUILT_IN_LAYERS).map((e) => e.name)).toEqual([
      'roads',
      'water_pipes',
      'power_lines',
      'buildings',
      'water_nodes',
      'power_nodes',
    ]);
  });

  it('shows an extra entry in the panel and the deck.gl layers, a basemap one in the panel only', () => {
    const entries = [...BUILT_IN_LAYERS, NOISE_ZONES, STREET_TREES];
    const specs = layerSpecs(entries);
    const ids = specs.map((s) => s.id);
    expect(ids.indexOf('street_trees')).toBe(ids.indexOf('buildings') + 1);
    expect(ids.indexOf('noise_zones')).toBe(ids.indexOf('roads') + 1);
    expect(specs.find((s) => s.id === 'street_trees')).toMatchObject({
      title: 'Street trees',
      kind: 'deck',
      defaultVisible: true,
      legend: [{ kind: 'note', text: 'Trees by genus' }],
    });
    expect(specs.find((s) => s.id === 'noise_zones')?.kind).toBe('basemap');
    const drawn = deckDrawOrder(entries).map((e) => e.name);
    expect(drawn.at(-1)).toBe('street_trees');
    expect(drawn).not.toContain('noise_zones');
  });

  it('sizes pipes and power lines as their hand-written width functions did', () => {
    const style = (name: string) => {
      const s = entry(name).style;
      if (s.kind !== 'line') throw new Error(`${name} is not a line layer`);
      return s.width.ramp;
    };
    const pipe = (mm: number) => Math.min(6, Math.max(1.5, 1 + mm / 200));
    for (const mm of [0, 50, 100, 150, 333, 800, 1000, 2000]) {
      expect(rampSize(style('water_pipes'), mm)).toBeCloseTo(pipe(mm), 10);
    }
    const volt = (kv: number) => (kv >= 150 ? 5 : kv >= 35 ? 3.5 : kv >= 1 ? 2.5 : 1.5);
    for (const kv of [-1, 0, 0.4, 1, 10, 35, 110, 150, 400]) {
      expect(rampSize(style('power_lines'), kv)).toBe(volt(kv));
    }
  });
});
