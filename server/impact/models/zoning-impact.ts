import { defineModel, round } from './model';

/** Scenario heights above the `max_height_m` of any land-use zone the footprint overlaps. */
export const zoningModel = defineModel('zoning', ({ changes, inputs }) => {
  const flagged = changes.heights.flatMap((h) =>
    inputs.zoning
      .filter((z) => z.edit_id === h.editId && h.heightM > z.max_height_m)
      .map((z) => ({
        edit_id: h.editId,
        building_id: h.buildingId,
        height_m: round(h.heightM, 1),
        max_height_m: z.max_height_m,
        excess_m: round(h.heightM - z.max_height_m, 1),
        zone_id: z.zone_id,
        zone_class: z.zone_class,
        zone_name: z.zone_name,
      })),
  );
  return {
    checked: changes.heights.length,
    flagged: flagged.sort(
      (a, b) => Number(a.edit_id) - Number(b.edit_id) || a.max_height_m - b.max_height_m,
    ),
  };
});
