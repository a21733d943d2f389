/**
 * Ids of the features a scenario adds, as its tiles carry them (issue #5): offset past any
 * baseline id, plus the edit's id. The map reads a picked id back to the edit (issue #12).
 */
export const ADDED_ID_OFFSET = 1_000_000_000_000;

/** The edit that added a picked tile feature, or null for a baseline feature. */
export function addedEditId(featureId: unknown): string | null {
  return typeof featureId === 'number' && featureId >= ADDED_ID_OFFSET
    ? String(featureId - ADDED_ID_OFFSET)
    : null;
}
