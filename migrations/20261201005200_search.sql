-- Find (issue #12 item 3): typo-tolerant search over the twin's own names with trigram indexes.
-- pg_trgm ships with PostgreSQL (a trusted extension: a database owner may create it) and with
-- PGlite (loaded by server/db/backend.ts).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE INDEX road_links_name_trgm ON road_links USING gin (name gin_trgm_ops);
CREATE INDEX land_use_name_trgm ON land_use USING gin (name gin_trgm_ops);
CREATE INDEX buildings_name_trgm ON buildings USING gin (name gin_trgm_ops);
-- Addresses of imported buildings (OSM `addr:*`, kept in attributes): "street housenumber".
CREATE INDEX buildings_address_trgm ON buildings USING gin (
  (lower(coalesce(attributes->>'addr:street', '') || ' ' || coalesce(attributes->>'addr:housenumber', ''))) gin_trgm_ops)
  WHERE attributes ? 'addr:street';
CREATE INDEX sensors_external_id_trgm ON sensors USING gin (external_id gin_trgm_ops);
