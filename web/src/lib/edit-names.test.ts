import { describe, expect, it } from 'vitest';
import type { ScenarioEdit } from '../../../common/scenario-types';
import { boundsOf, editName } from './edit-names';

const base = { id: '1', seq: 1, created_at: '', updated_at: '' };

describe('edit names', () => {
  it('names a closed road by its street', () => {
    const e = { ...base, kind: 'edit_road', roadLinkId: 42, closed: true } as ScenarioEdit;
    expect(editName(e, { name: 'King Street', class: 'primary' })).toBe('Close road: King Street');
  });

  it('names an unnamed road by class and id, and a changed building by its figures', () => {
    expect(
      editName({ ...base, kind: 'edit_road', roadLinkId: 7, lanes: 1 } as ScenarioEdit, {
        name: null,
        class: 'residential',
      }),
    ).toBe('Changed road: unnamed residential #7 — 1 lane');
    expect(
      editName(
        {
          ...base,
          kind: 'change_building',
          buildingId: 9,
          floors: 12,
          use: 'office',
        } as ScenarioEdit,
        { name: null, use: 'retail' },
      ),
    ).toBe('Changed building: retail #9 — 12 floors, office');
    expect(
      editName(
        {
          ...base,
          kind: 'add_building',
          geometry: { type: 'Polygon', coordinates: [] },
          floors: 4,
          use: 'civic',
        } as ScenarioEdit,
        null,
      ),
    ).toBe('New building — 4 floors, civic');
  });

  it('finds the bounds of a polygon and of a missing geometry', () => {
    expect(
      boundsOf({
        type: 'Polygon',
        coordinates: [
          [
            [5, 52],
            [5.1, 52],
            [5.1, 52.2],
            [5, 52],
          ],
        ],
      }),
    ).toEqual([5, 52, 5.1, 52.2]);
    expect(boundsOf(null)).toBeNull();
  });
});
