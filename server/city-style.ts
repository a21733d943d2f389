import type { CityStyleMetadata, LegendEntry } from '../common/api-types';
import { BUILT_IN_LAYERS, type LayerEntry, type LayerStyle } from '../common/layer-catalog';
import type { LayerCatalog } from '../tiles/catalog';

/**
 * The basemap: a MapLibre style drawn only from our own vector tiles. No glyphs, sprites or
 * remote sources, so it renders offline; text labels are drawn by the client (deck.gl).
 */

/** Road fill by class, widest first; casings are a darker edge of the same family. */
const ROADS: (LegendEntry & { casing: string; widths: [number, number][] })[] = [
  {
    value: 'motorway',
    label: 'Motorway',
    color: '#f3b27a',
    casing: '#c98a55',
    widths: [
      [8, 1.2],
      [12, 3],
      [15, 9],
      [18, 36],
    ],
  },
  {
    value: 'trunk',
    label: 'Trunk road',
    color: '#f7c98f',
    casing: '#cf9c62',
    widths: [
      [8, 1],
      [12, 2.6],
      [15, 8],
      [18, 32],
    ],
  },
  {
    value: 'arterial',
    label: 'Arterial',
    color: '#fbe0a8',
    casing: '#d3ae70',
    widths: [
      [8, 0.8],
      [12, 2.2],
      [15, 7],
      [18, 28],
    ],
  },
  {
    value: 'collector',
    label: 'Collector',
    color: '#fffaf0',
    casing: '#c9bfae',
    widths: [
      [11, 0.6],
      [13, 1.4],
      [15, 5],
      [18, 22],
    ],
  },
  {
    value: 'local',
    label: 'Local street',
    color: '#ffffff',
    casing: '#d0c8bb',
    widths: [
      [12, 0.4],
      [14, 1],
      [16, 4],
      [18, 15],
    ],
  },
  {
    value: 'service',
    label: 'Service road',
    color: '#fbf9f5',
    casing: '#d8d2c8',
    widths: [
      [14, 0.4],
      [16, 1.5],
      [18, 8],
    ],
  },
];

type BasemapStyle = Extract<LayerStyle, { kind: 'basemap' }>;

/** The catalogue's basemap layers (drawn by MapLibre) with their styles. */
function basemapEntries(entries: readonly LayerEntry[]): [LayerEntry, BasemapStyle][] {
  return entries.flatMap((e) => (e.style.kind === 'basemap' ? [[e, e.style]] : [])) as [
    LayerEntry,
    BasemapStyle,
  ][];
}

const BACKGROUND = '#f5f2ec';
const BUILDING_FOOTPRINT = '#ddd5c9';
const BUILDING_OUTLINE = '#c9bfb1';

type Json = Record<string, unknown>;

const match = (
  entries: { value: string; color: string }[],
  fallback: string,
  attribute = 'class',
): unknown[] => [
  'match',
  ['get', attribute],
  ...entries.flatMap((e) => [e.value, e.color]),
  fallback,
];

const widthBy = (widths: [number, number][], scale = 1): unknown[] => [
  'interpolate',
  ['exponential', 1.6],
  ['zoom'],
  ...widths.flatMap(([z, w]) => [z, w * scale]),
];

function roadLayers(kind: 'casing' | 'fill'): Json[] {
  // Drawn smallest class first so arterials run over the junctions of local streets.
  return [...ROADS].reverse().map((r) => ({
    id: `road-${kind}-${r.value}`,
    type: 'line',
    source: 'roads',
    'source-layer': 'roads',
    filter: ['==', ['get', 'class'], r.value],
    minzoom: r.widths[0]![0],
    layout: { 'line-cap': 'round', 'line-join': 'round' },
    paint:
      kind === 'casing'
        ? { 'line-color': r.casing, 'line-width': widthBy(r.widths, 1), 'line-gap-width': 0 }
        : { 'line-color': r.color, 'line-width': widthBy(r.widths, 0.78) },
  }));
}

/** The web's layer switch shows and hides the style layers tagged with its layer name. */
const tagged = (layer: string) => ({ metadata: { 'city-twin:layer': layer } });

/** A basemap layer other than land use: one style layer coloured by its catalogue categories. */
function genericLayer(entry: LayerEntry, style: BasemapStyle): Json {
  const color = match(style.categories, '#b9b2a6', style.attribute);
  const common = {
    id: entry.name,
    source: entry.name,
    'source-layer': entry.name,
    minzoom: entry.minzoom,
    ...tagged(entry.name),
  };
  if (entry.geometry === 'polygon') {
    return { ...common, type: 'fill', paint: { 'fill-color': color, 'fill-opacity': 0.6 } };
  }
  if (entry.geometry === 'line') {
    return { ...common, type: 'line', paint: { 'line-color': color, 'line-width': 1.5 } };
  }
  return { ...common, type: 'circle', paint: { 'circle-color': color, 'circle-radius': 4 } };
}

/**
 * The city basemap for `origin` (e.g. `http://localhost:8080`): land use and water, road
 * casings and fills by class, flat building footprints, and any other `basemap` layer of the
 * catalogue (`entries`, common/layer-catalog.ts), from the tile catalogue's layers.
 */
export function cityStyle(
  catalog: LayerCatalog,
  origin: string,
  entries: readonly LayerEntry[] = BUILT_IN_LAYERS,
): Json {
  const basemap = basemapEntries(entries);
  const landUse = basemap.find(([e]) => e.name === 'land_use')?.[1].categories ?? [];
  const others = basemap.filter(([e]) => e.name !== 'land_use');
  const source = (name: string) => {
    const layer = catalog.get(name);
    if (!layer) throw new Error(`the city style needs the "${name}" tile layer`);
    return {
      type: 'vector',
      url: `${origin}/tiles/${layer.name}.json`,
      minzoom: layer.minzoom,
      maxzoom: layer.maxzoom,
    };
  };
  const metadata: CityStyleMetadata = {
    'city-twin:legend': {
      land_use: landUse,
      roads: ROADS.map(({ value, label, color }) => ({ value, label, color })),
    },
  };
  return {
    version: 8,
    name: 'City twin basemap',
    metadata,
    sources: {
      land_use: source('land_use'),
      roads: source('roads'),
      buildings: source('buildings'),
      ...Object.fromEntries(others.map(([e]) => [e.name, source(e.name)])),
    },
    layers: [
      { id: 'background', type: 'background', paint: { 'background-color': BACKGROUND } },
      {
        id: 'land-use',
        type: 'fill',
        source: 'land_use',
        'source-layer': 'land_use',
        filter: ['!=', ['get', 'class'], 'water'],
        paint: { 'fill-color': match(landUse, '#ebe8e2'), 'fill-antialias': false },
        ...tagged('land_use'),
      },
      {
        id: 'land-use-edge',
        type: 'line',
        source: 'land_use',
        'source-layer': 'land_use',
        minzoom: 13,
        filter: ['in', ['get', 'class'], ['literal', ['park', 'forest', 'cemetery']]],
        paint: { 'line-color': '#a9c994', 'line-width': 1 },
        ...tagged('land_use'),
      },
      {
        id: 'water',
        type: 'fill',
        source: 'land_use',
        'source-layer': 'land_use',
        filter: ['==', ['get', 'class'], 'water'],
        paint: { 'fill-color': landUse.find((l) => l.value === 'water')?.color ?? '#a4cdea' },
      },
      {
        id: 'water-edge',
        type: 'line',
        source: 'land_use',
        'source-layer': 'land_use',
        filter: ['==', ['get', 'class'], 'water'],
        paint: {
          'line-color': '#86b6d8',
          'line-width': ['interpolate', ['linear'], ['zoom'], 10, 0.5, 16, 1.5],
        },
      },
      ...others.map(([e, style]) => genericLayer(e, style)),
      ...roadLayers('casing'),
      ...roadLayers('fill'),
      {
        id: 'building-footprints',
        type: 'fill',
        source: 'buildings',
        'source-layer': 'buildings',
        minzoom: 12,
        paint: {
          'fill-color': BUILDING_FOOTPRINT,
          'fill-outline-color': BUILDING_OUTLINE,
          'fill-opacity': ['interpolate', ['linear'], ['zoom'], 12, 0.5, 14, 1],
        },
      },
    ],
  };
}
