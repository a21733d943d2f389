-- Traffic cameras (issue #17): a camera is a sensor of kind `camera` with a view (heading, field
-- of view, range) and the road links it watches; its frames are stored here, in the database,
-- so a frame and its bytes are written and deleted atomically (no orphan files).

-- A sensor whose readings another device derives: a camera's counts (traffic_flow,
-- traffic_speed) name the camera as their source.
ALTER TABLE sensors ADD COLUMN source_id bigint REFERENCES sensors (id) ON DELETE CASCADE;
CREATE INDEX sensors_source_idx ON sensors (source_id) WHERE source_id IS NOT NULL;

CREATE TABLE cameras (
  sensor_id bigint PRIMARY KEY REFERENCES sensors (id) ON DELETE CASCADE,
  -- Degrees clockwise from north the camera looks towards, and the width of its view.
  heading_deg double precision NOT NULL CHECK (heading_deg >= 0 AND heading_deg < 360),
  fov_deg double precision NOT NULL CHECK (fov_deg > 0 AND fov_deg <= 360),
  -- How far the view cone is drawn on the map, metres.
  range_m double precision NOT NULL DEFAULT 60 CHECK (range_m > 0 AND range_m <= 2000),
  -- road_links ids in view (not a foreign key: a network re-import replaces links).
  link_ids bigint[] NOT NULL DEFAULT '{}',
  -- Privacy by default: only staff see frames unless an admin opens them (audited).
  frames_public boolean NOT NULL DEFAULT false,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE camera_frames (
  camera_id bigint NOT NULL REFERENCES cameras (sensor_id) ON DELETE CASCADE,
  ts timestamptz NOT NULL,
  content_type text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp')),
  bytes integer NOT NULL CHECK (bytes > 0),
  -- A strong validator of the image (SHA-256 prefix), for ETag / If-None-Match.
  etag text NOT NULL,
  image bytea NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (camera_id, ts)
);
-- Images are already compressed: store them out of line without trying to compress again.
ALTER TABLE camera_frames ALTER COLUMN image SET STORAGE EXTERNAL;
CREATE INDEX camera_frames_ts_idx ON camera_frames (ts);
