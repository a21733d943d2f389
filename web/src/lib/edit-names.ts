import type { ScenarioEdit } from '../../../common/scenario-types';
import { editFacts } from './hover-text';
import type { Bounds } from './twin-map.svelte';

const VERB: Record<ScenarioEdit['kind'], string> = {
  add_building: 'New building',
  change_building: 'Changed building',
  demolish_building: 'Demolish building',
  edit_road: 'Changed road',
  add_road: 'New road',
};

/**
 * An edit in words for the edit list (issue #12 item 2): what it does, to which street or
 * building (the baseline's name, from the changes GeoJSON's `target`), and its figures.
 * `Close road: King Street` · `Changed building: Town hall — 12 floors, office`.
 */
export function editName(
  edit: ScenarioEdit,
  target: { name?: string | null; use?: string; class?: string } | null,
): string {
  const p = edit as unknown as Record<string, unknown>;
  const verb = edit.kind === 'edit_road' && edit.closed ? 'Close road' : VERB[edit.kind];
  const own = 'name' in edit && edit.name ? edit.name : null;
  const what =
    own ??
    target?.name ??
    (edit.kind === 'edit_road'
      ? `unnamed ${target?.class ?? 'road'} #${edit.roadLinkId}`
      : 'buildingId' in edit
        ? `${target?.use ?? 'building'} #${edit.buildingId}`
        : null);
  const facts = editFacts(edit.kind === 'edit_road' && edit.closed ? { ...p, closed: false } : p);
  return `${verb}${what ? `: ${what}` : ''}${facts.length ? ` — ${facts.join(', ')}` : ''}`;
}

/** The WGS84 bounds of a GeoJSON geometry's coordinates (null for none). */
export function boundsOf(geometry: GeoJSON.Geometry | null | undefined): Bounds | null {
  if (!geometry || !('coordinates' in geometry)) return null;
  const b: Bounds = [Infinity, Infinity, -Infinity, -Infinity];
  const walk = (c: unknown): void => {
    if (Array.isArray(c) && typeof c[0] === 'number') {
      b[0] = Math.min(b[0], c[0]);
      b[1] = Math.min(b[1], c[1] as number);
      b[2] = Math.max(b[2], c[0]);
      b[3] = Math.max(b[3], c[1] as number);
    } else if (Array.isArray(c)) c.forEach(walk);
  };
  walk(geometry.coordinates);
  return Number.isFinite(b[0]) ? b : null;
}
