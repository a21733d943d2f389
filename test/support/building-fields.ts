/** The buildings layer's attributes as its tiles carry them, in the catalogue's order. */
export const BUILDING_TILE_FIELDS = ['height_m', 'levels', 'use', 'name', 'year_built'];

/**
 * The buildings fields an export or OGC API Features writes: the tile attributes, then the
 * provenance every layer table has (`attributes`, the jsonb, apart: not every format keeps it).
 */
export const BUILDING_EXPORT_FIELDS = [...BUILDING_TILE_FIELDS, 'source_id', 'dataset_id'];
