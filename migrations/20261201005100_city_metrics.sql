-- City-wide figures per 5-minute bucket (issue #9 item 5, issue #12 item 5): the public
-- dashboard's charts and "typical for this hour" come from here instead of scanning millions of
-- readings per request. Rolled up from `readings` every minute (server/dashboard/city-metrics.ts);
-- values are ratios (0–1+): mean speed ÷ free-flow speed over traffic speed sensors, water flow ÷
-- capacity over metered mains, substation load ÷ rated capacity.
CREATE TABLE city_metrics (
  metric text NOT NULL CHECK (metric IN ('traffic_speed_ratio', 'water_demand_ratio', 'power_load_ratio')),
  bucket timestamptz NOT NULL,
  value double precision NOT NULL,
  -- Sensors (traffic: readings) behind the value.
  samples integer NOT NULL CHECK (samples > 0),
  computed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (metric, bucket)
);
