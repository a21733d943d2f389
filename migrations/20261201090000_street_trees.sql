-- Street trees (scratch: checks the "How to add a layer" recipe).
CREATE TABLE street_trees (
  id bigserial PRIMARY KEY,
  genus text,
  height_m double precision,
  geom geometry(Point, 3857) NOT NULL,
  dataset_id bigint NOT NULL REFERENCES datasets (id),
  source_id text,
  attributes jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX street_trees_geom_idx ON street_trees USING gist (geom);
CREATE TRIGGER street_trees_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON street_trees
  FOR EACH STATEMENT EXECUTE FUNCTION bump_layer_version('street_trees');
INSERT INTO layer_versions (layer) VALUES ('street_trees');
