import type { CityStyleMetadata, LegendEntry } from '../common/api-types';
import type { LayerCatalog } from '../tiles/catalog';

/**
 * The basemap: a MapLibre style drawn only from our own vector tiles. No glyphs, sprites or
 * remote sources, so it renders offline; text labels are drawn by the client (deck.gl).
 */

/** Muted land-use fills (APA/LBCS hues, pale so 3D buildings and overlays stand out). */
const LAND_USE: LegendEntry[] = [
  { value: 'residential', label: 'Residential', color: '#f1ebdf' },
  { value: 'mixed', label: 'Mixed use', color: '#efe3d3' },
  { value: 'commercial', label: 'Commercial', color: '#f0dcd8' },
  { value: 'industrial', label: 'Industrial', color: '#e3dde9' },
  { value: 'civic', label: 'Civic', color: '#dfe6ef' },
  { value: 'park', label: 'Park', color: '#c8e2b4' },
  { value: 'forest', label: 'Forest', color: '#afd29a' },
  { value: 'farmland', label: 'Farmland', color: '#eaeed2' },
  { value: 'cemetery', label: 'Cemetery', color: '#d0e0c4' },
  { value: 'water', label: 'Water', color: '#a4cdea' },
  { value: 'other', label: 'Other', color: '#ebe8e2' },
];

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

const BACKGROUND = '#f5f2ec';
const BUILDING_FOOTPRINT = '#ddd5c9';
const BUILDING_OUTLINE = '#c9bfb1';

type Json = Record<string, unknown>;

const match = (entries: { value: string; color: string }[], fallback: string): unknown[] => [
  'match',
  ['get', 'class'],
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

/**
 * The city basemap for `origin` (e.g. `http://localhost:8080`): land use and water, road
 * casings and fills by class, and flat building footprints, from the catalogue's layers.
 */
export function cityStyle(catalog: LayerCatalog, origin: string): Json {
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
      land_use: LAND_USE,
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
    },
    layers: [
      { id: 'background', type: 'background', paint: { 'background-color': BACKGROUND } },
      {
        id: 'land-use',
        type: 'fill',
        source: 'land_use',
        'source-layer': 'land_use',
        filter: ['!=', ['get', 'class'], 'water'],
        paint: { 'fill-color': match(LAND_USE, '#ebe8e2'), 'fill-antialias': false },
      },
      {
        id: 'land-use-edge',
        type: 'line',
        source: 'land_use',
        'source-layer': 'land_use',
        minzoom: 13,
        filter: ['in', ['get', 'class'], ['literal', ['park', 'forest', 'cemetery']]],
        paint: { 'line-color': '#a9c994', 'line-width': 1 },
      },
      {
        id: 'water',
        type: 'fill',
        source: 'land_use',
        'source-layer': 'land_use',
        filter: ['==', ['get', 'class'], 'water'],
        paint: { 'fill-color': LAND_USE.find((l) => l.value === 'water')!.color },
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
