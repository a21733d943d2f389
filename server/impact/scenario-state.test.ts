import { describe, expect, it } from 'vitest';
import { foldEdits, type EditRow } from './scenario-state';

const row = (
  id: number,
  kind: EditRow['kind'],
  payload: Record<string, unknown>,
  extra: Partial<EditRow> = {},
): EditRow => ({
  id: String(id),
  seq: id,
  kind,
  payload: { kind, ...payload },
  target_id: null,
  height_m: null,
  levels: null,
  use: null,
  closed: null,
  lanes: null,
  speed_limit_kmh: null,
  capacity_veh_h: null,
  area_m2: null,
  x: null,
  y: null,
  x2: null,
  y2: null,
  length_m: null,
  shape: null,
  ...extra,
});

describe('folding scenario edits', () => {
  it('applies edits of one feature in order, later fields overriding earlier ones', () => {
    const s = foldEdits([
      row(1, 'change_building', { buildingId: '7', floors: 10 }, { target_id: '7' }),
      row(2, 'change_building', { buildingId: '7', use: 'office' }, { target_id: '7' }),
      row(3, 'change_building', { buildingId: '7', height_m: 50 }, { target_id: '7' }),
      row(4, 'edit_road', { roadLinkId: '9', lanes: 3 }, { target_id: '9', lanes: 3 }),
      row(5, 'edit_road', { roadLinkId: '9', closed: true }, { target_id: '9', closed: true }),
    ]);
    expect(s.buildings.get('7')).toMatchObject({
      removed: false,
      floors: null,
      heightM: 50,
      use: 'office',
      editId: '3',
    });
    expect(s.roads.get('9')).toMatchObject({ closed: true, lanes: 3, editId: '5' });
  });

  it('keeps a demolition whatever came before it, and lists additions', () => {
    const s = foldEdits([
      row(1, 'change_building', { buildingId: '7', floors: 10 }, { target_id: '7' }),
      row(2, 'demolish_building', { buildingId: '7' }, { target_id: '7' }),
      row(3, 'add_building', { floors: 3 }),
      row(4, 'add_road', {}),
    ]);
    expect(s.buildings.get('7')!.removed).toBe(true);
    expect(s.added.map((e) => e.id)).toEqual(['3']);
    expect(s.addedRoads.map((e) => e.id)).toEqual(['4']);
  });
});
