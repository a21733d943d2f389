-- Tile servers keep the layer versions in memory instead of reading them for every burst of
-- requests (issue #14): every bump also NOTIFYs `twin_layer_versions` (delivered on COMMIT, to
-- every instance), and a server drops its copy when one arrives.
CREATE OR REPLACE FUNCTION bump_layer_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO layer_versions AS lv (layer, version, updated_at)
  VALUES (TG_ARGV[0], 1, now())
  ON CONFLICT (layer) DO UPDATE SET version = lv.version + 1, updated_at = now();
  PERFORM pg_notify('twin_layer_versions', TG_ARGV[0]);
  RETURN NULL;
END $$;
