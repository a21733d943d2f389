import { TextLayer } from '@deck.gl/layers';
import type { LabelsResponse } from '../../../../common/api-types';
import type { LabelCandidate, LabelKind, PlacedLabel } from '../label-placement';

/**
 * Street and place names as deck.gl text. The font atlas is rasterised in the browser from
 * a local system font, so labels need no glyph server and work offline.
 */

type RGBA = [number, number, number, number];

const STYLE: Record<LabelKind, { color: RGBA; size: number }> = {
  district: { color: [92, 76, 64, 255], size: 14 },
  park: { color: [52, 110, 45, 255], size: 13 },
  water: { color: [32, 96, 160, 255], size: 13 },
  street: { color: [60, 60, 66, 255], size: 12 },
};

const STREET_RANK: Record<string, number> = {
  motorway: 4,
  trunk: 4,
  arterial: 3,
  collector: 2,
  local: 1,
  service: 0,
};

const FONT =
  'system-ui, "Segoe UI", Roboto, "Helvetica Neue", "Liberation Sans", "DejaVu Sans", Arial, sans-serif';

function placeKind(landUseClass: string): LabelKind {
  if (landUseClass === 'water') return 'water';
  if (['park', 'forest', 'cemetery', 'farmland'].includes(landUseClass)) return 'park';
  return 'district';
}

/**
 * Label candidates for a view from `/api/labels`: districts first (by area), then green
 * spaces and water, then streets by class. District names are set in capitals.
 */
export function labelCandidates(labels: LabelsResponse): LabelCandidate[] {
  const places = labels.places.map((p): LabelCandidate => {
    const kind = placeKind(p.class);
    return {
      key: `place:${p.name}`,
      text: kind === 'district' ? p.name.toUpperCase() : p.name,
      position: p.position,
      kind,
      priority: 100 + Math.log10(Math.max(1, p.area_m2)),
      size: STYLE[kind].size,
    };
  });
  const streets = labels.streets.map((s): LabelCandidate => {
    const rank = STREET_RANK[s.class] ?? 0;
    return {
      key: `street:${s.name}`,
      text: s.name,
      position: s.position,
      kind: 'street',
      priority: 50 + rank * 10,
      size: STYLE.street.size + (rank >= 3 ? 1 : 0),
      azimuth: s.azimuth,
    };
  });
  return [...places, ...streets];
}

export interface LabelsOptions {
  labels: PlacedLabel[];
  visible: boolean;
  opacity: number;
}

/** Placed labels, drawn over everything (labels never hide behind buildings). */
export function labelsLayers({ labels, visible, opacity }: LabelsOptions) {
  const common = {
    visible,
    opacity,
    billboard: true,
    sizeUnits: 'pixels' as const,
    characterSet: 'auto' as const,
    fontFamily: FONT,
    fontSettings: { sdf: true, fontSize: 48, buffer: 6, radius: 12, cutoff: 0.22, smoothing: 0.2 },
    outlineWidth: 5,
    outlineColor: [255, 255, 255, 235] as RGBA,
    getPosition: (d: PlacedLabel) => d.position,
    getText: (d: PlacedLabel) => d.text,
    getSize: (d: PlacedLabel) => d.size,
    getAngle: (d: PlacedLabel) => d.angle,
    getColor: (d: PlacedLabel) => STYLE[d.kind].color,
    getTextAnchor: 'middle' as const,
    getAlignmentBaseline: 'center' as const,
    parameters: { depthCompare: 'always' as const, depthWriteEnabled: false },
    pickable: false,
  };
  return [
    new TextLayer<PlacedLabel>({
      ...common,
      id: 'labels-streets',
      data: labels.filter((l) => l.kind === 'street'),
      fontWeight: 500,
    }),
    new TextLayer<PlacedLabel>({
      ...common,
      id: 'labels-places',
      data: labels.filter((l) => l.kind !== 'street'),
      fontWeight: 700,
    }),
  ];
}
