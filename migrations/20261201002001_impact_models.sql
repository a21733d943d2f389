-- Impact models checked against outside references (issue #11): the factors the calibration,
-- hydraulic and load-flow models read.

INSERT INTO impact_factors (key, value, unit, description, source) VALUES
  ('traffic.peak_hour_local', 17, 'hour (local solar time)',
   'Start of the peak hour the traffic model stands for; counts in this hour calibrate it',
   'Planning default (evening peak 17:00–18:00)'),
  ('water.min_pressure_m', 20, 'm head', 'Minimum service pressure at a junction at peak demand',
   'Planning default; Ofwat reference level 10 m at the stop tap, 20 m a common design minimum for mains'),
  ('water.max_velocity_m_s', 2.0, 'm/s', 'Design limit of flow velocity in a pipe at peak demand',
   'Planning default (AWWA M32: 1.5–2.5 m/s in distribution mains)'),
  ('water.max_headloss_m_per_km', 10, 'm per km', 'Design limit of head loss in a pipe at peak demand',
   'Planning default (AWWA M32: 1–10 m/km)'),
  ('power.min_voltage_pu', 0.95, 'pu', 'Lowest acceptable feeder voltage',
   'EN 50160: supply voltage within ±10 %; 0.95 pu on the MV feeder leaves room for the LV drop'),
  ('power.cable_r_ohm_per_km', 0.125, 'Ω/km', 'Resistance of an 11 kV feeder cable (3×240 mm² Al XLPE, 90 °C)',
   'IEC 60228 conductor class 2, 240 mm² aluminium: 0.125 Ω/km at 20 °C'),
  ('power.cable_x_ohm_per_km', 0.10, 'Ω/km', 'Reactance of an 11 kV feeder cable (3×240 mm² Al XLPE, trefoil)',
   'Manufacturers'' data for 12/20 kV XLPE cables: 0.09–0.11 Ω/km')
ON CONFLICT (key) DO NOTHING;
