import { describe, expect, it } from 'vitest';
import {
  placeLabels,
  screenAngle,
  uprightAngle,
  type LabelCandidate,
  type Project,
} from './label-placement';

/** A north-up plate carrée "screen": 1 px per 1e-5 degree around (5, 52), y down. */
const flat: Project = ([lon, lat]) => ({ x: (lon - 5) * 1e5 + 500, y: (52 - lat) * 1e5 + 500 });

const label = (over: Partial<LabelCandidate>): LabelCandidate => ({
  key: 'k',
  text: 'Label',
  position: [5, 52],
  kind: 'street',
  priority: 1,
  size: 12,
  ...over,
});

describe('label placement', () => {
  it('keeps text upright', () => {
    expect(uprightAngle(0)).toBe(0);
    expect(uprightAngle(90)).toBe(90);
    expect(uprightAngle(135)).toBe(-45);
    expect(uprightAngle(-90)).toBe(90);
    expect(uprightAngle(270)).toBe(90);
    expect(uprightAngle(-135)).toBe(45);
  });

  it('turns a street label along its street on screen, either way round', () => {
    // East–west streets read horizontally, whichever way they were digitised.
    expect(screenAngle([5, 52], 90, flat)).toBeCloseTo(0, 0);
    expect(screenAngle([5, 52], 270, flat)).toBeCloseTo(0, 0);
    // A north-south street is vertical; north-east is rotated counter-clockwise.
    expect(Math.abs(screenAngle([5, 52], 0, flat))).toBeCloseTo(90, 0);
    expect(screenAngle([5, 52], 45, flat)).toBeGreaterThan(20);
  });

  it('places the more important of two overlapping labels and drops the other', () => {
    const placed = placeLabels(
      [
        label({ key: 'minor', text: 'Minor Lane', priority: 1 }),
        label({ key: 'major', text: 'Main Street', priority: 5, position: [5.00002, 52] }),
      ],
      flat,
      1000,
      1000,
    );
    expect(placed.map((p) => p.key)).toEqual(['major']);
  });

  it('keeps labels that do not collide and drops those off screen or repeated', () => {
    const placed = placeLabels(
      [
        label({ key: 'a', position: [5, 52] }),
        label({ key: 'b', position: [5.002, 52] }),
        label({ key: 'a', position: [5.004, 52] }),
        label({ key: 'off', position: [5.2, 52] }),
      ],
      flat,
      1000,
      1000,
    );
    expect(placed.map((p) => p.key).sort()).toEqual(['a', 'b']);
  });
});
