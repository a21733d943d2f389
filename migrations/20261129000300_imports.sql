-- Imports (issue #6): provenance and counts on datasets, import jobs with their reports, custom
-- layers, and a source id on every feature table so re-imports can upsert.

ALTER TABLE datasets
  ADD COLUMN layer text,
  ADD COLUMN mode text CHECK (mode IS NULL OR mode IN ('replace', 'append', 'upsert')),
  ADD COLUMN format text,
  ADD COLUMN crs text,
  ADD COLUMN accepted integer NOT NULL DEFAULT 0,
  ADD COLUMN repaired integer NOT NULL DEFAULT 0,
  ADD COLUMN rejected integer NOT NULL DEFAULT 0,
  -- WGS84 bounding box of what was loaded: {min_lon, min_lat, max_lon, max_lat}.
  ADD COLUMN extent double precision[] CHECK (extent IS NULL OR cardinality(extent) = 4),
  ADD COLUMN job_id uuid;
CREATE INDEX datasets_name_layer_idx ON datasets (name, layer);

CREATE TABLE import_jobs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  status text NOT NULL DEFAULT 'queued'
    CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
  name text NOT NULL,
  layer text NOT NULL,
  mode text NOT NULL CHECK (mode IN ('replace', 'append', 'upsert')),
  source text NOT NULL,
  licence text NOT NULL,
  file_name text NOT NULL,
  file_bytes bigint NOT NULL DEFAULT 0,
  format text,
  crs text,
  phase text NOT NULL DEFAULT 'queued',
  progress jsonb NOT NULL DEFAULT '{}',
  dataset_id bigint REFERENCES datasets (id),
  counts jsonb,
  extent double precision[],
  error text,
  -- Per-feature outcomes (repaired and rejected, with reasons), capped; see server/imports.
  report jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);
CREATE INDEX import_jobs_created_idx ON import_jobs (created_at DESC);

-- A layer created by an import: its own table custom_<name>, published as tiles.
CREATE TABLE custom_layers (
  name text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]{2,39}$'),
  table_name text NOT NULL UNIQUE CHECK (table_name = 'custom_' || name),
  geometry text NOT NULL CHECK (geometry IN ('point', 'line', 'polygon', 'mixed')),
  -- [{name, type}] with type int | float | string | boolean; each is a column of the table.
  columns jsonb NOT NULL DEFAULT '[]',
  description text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE buildings ADD COLUMN source_id text, ADD COLUMN min_height_m real
  CHECK (min_height_m IS NULL OR min_height_m >= 0);
ALTER TABLE road_nodes ADD COLUMN source_id text;
ALTER TABLE road_links ADD COLUMN source_id text;
ALTER TABLE water_nodes ADD COLUMN source_id text;
ALTER TABLE water_pipes ADD COLUMN source_id text;
ALTER TABLE power_nodes ADD COLUMN source_id text;
ALTER TABLE power_lines ADD COLUMN source_id text;
ALTER TABLE land_use ADD COLUMN source_id text;

CREATE INDEX buildings_source_idx ON buildings (source_id) WHERE source_id IS NOT NULL;
CREATE INDEX road_nodes_dataset_idx ON road_nodes (dataset_id);
CREATE INDEX road_links_dataset_idx ON road_links (dataset_id);
CREATE INDEX water_nodes_dataset_idx ON water_nodes (dataset_id);
CREATE INDEX water_pipes_dataset_idx ON water_pipes (dataset_id);
CREATE INDEX power_nodes_dataset_idx ON power_nodes (dataset_id);
CREATE INDEX power_lines_dataset_idx ON power_lines (dataset_id);
