import type { LayerEntry } from '../../common/layer-catalog';

/**
 * Layers a catalogue might gain, for the tests that check that one entry in
 * common/layer-catalog.ts reaches the tiles, the style and the web (docs/architecture.md,
 * "How to add a layer"): a deck.gl point layer and a basemap polygon layer.
 */
export const STREET_TREES: LayerEntry = {
  name: 'street_trees',
  title: 'Street trees',
  singular: 'Street tree',
  description: 'Street trees by genus',
  access: 'public',
  table: 'street_trees',
  geometry: 'point',
  attributes: {
    genus: { type: 'string', description: 'Genus' },
    height_m: { type: 'float', description: 'Height', unit: 'm', decimals: 1 },
  },
  minzoom: 14,
  maxzoom: 18,
  lowZoom: [{ belowZoom: 16, where: { attribute: 'height_m', atLeast: 10 } }],
  panel: { order: 1.5, defaultVisible: true },
  legend: [{ kind: 'note', text: 'Trees by genus' }],
  style: {
    kind: 'symbols',
    attribute: 'genus',
    symbols: [{ value: 'tilia', label: 'Lime', shape: 'circle', fill: '#2e7d32', size: 8 }],
  },
};

export const NOISE_ZONES: LayerEntry = {
  name: 'noise_zones',
  title: 'Noise zones',
  singular: 'Noise zone',
  description: 'Road noise contours (Lden)',
  access: 'public',
  table: 'noise_zones',
  geometry: 'polygon',
  attributes: { band: { type: 'string', description: 'Lden band' } },
  minzoom: 10,
  maxzoom: 18,
  panel: { order: 6.5, defaultVisible: false },
  legend: [],
  style: {
    kind: 'basemap',
    attribute: 'band',
    categories: [{ value: '55-60', label: '55–60 dB', color: '#f4a582' }],
  },
};
