-- 3D city models (issue #15): the LoD a building was read at (CityJSON / CityGML), and from
-- LoD2 its surfaces for the 3D map. Surfaces are x/y in EPSG:3857 like every geometry here, z in
-- metres above the building's own ground (its lowest point), one polygon per surface, with the
-- semantic type of each polygon in surface_types (RoofSurface, WallSurface, GroundSurface, …;
-- null where the model has none). Buildings without surfaces are drawn as extrusions.
ALTER TABLE buildings
  ADD COLUMN lod text,
  ADD COLUMN surfaces geometry(MultiPolygonZ, 3857),
  ADD COLUMN surface_types text[],
  ADD CONSTRAINT buildings_surface_types_len CHECK (
    surfaces IS NULL OR surface_types IS NULL OR cardinality(surface_types) = ST_NumGeometries(surfaces));
-- The 3D map asks for the surfaces of the buildings in view: only those rows are indexed.
CREATE INDEX buildings_surfaces_geom_idx ON buildings USING gist (geom) WHERE surfaces IS NOT NULL;
