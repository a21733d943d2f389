import type { PickingInfo } from '@deck.gl/core';
import { IconLayer, SolidPolygonLayer } from '@deck.gl/layers';
import type { CameraInfo } from '../../../../common/camera-types';

const GLYPH = `<svg xmlns="http://www.w3.org/2000/svg" width="48" height="48" viewBox="0 0 48 48"><circle cx="24" cy="24" r="21" fill="#1f2937" stroke="#ffffff" stroke-width="3"/><rect x="10" y="17" width="20" height="14" rx="2.5" fill="#ffffff"/><path d="M30 21.5l8-4.5v14l-8-4.5z" fill="#ffffff"/></svg>`;

/** The camera icon, drawn from inline SVG (no sprite file to fetch). */
const ICON = {
  id: 'camera',
  url: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(GLYPH)}`,
  width: 48,
  height: 48,
  mask: false,
};

/**
 * A camera's view cone as a ring of [lon, lat]: the apex at the camera, an arc of `range_m`
 * from heading − fov/2 to heading + fov/2 (degrees clockwise from north). Metres to degrees on
 * the local sphere: fine at a few hundred metres.
 */
export function viewCone(c: CameraInfo, steps = 12): [number, number][] {
  const [lon, lat] = c.location;
  const mLat = 111_320;
  const mLon = 111_320 * Math.cos((lat * Math.PI) / 180);
  const ring: [number, number][] = [[lon, lat]];
  const fov = Math.min(c.fov, 359);
  for (let i = 0; i <= steps; i++) {
    const bearing = ((c.heading - fov / 2 + (fov * i) / steps) * Math.PI) / 180;
    ring.push([
      lon + (Math.sin(bearing) * c.range_m) / mLon,
      lat + (Math.cos(bearing) * c.range_m) / mLat,
    ]);
  }
  ring.push([lon, lat]);
  return ring;
}

export interface CameraLayerOptions {
  selected: string | null;
  onHover: (camera: CameraInfo | null, x: number, y: number) => void;
  onClick: (camera: CameraInfo) => void;
}

/**
 * The camera layer (issue #17): translucent view cones on the ground and a pickable icon at
 * each camera. Clicks on an icon are handled here (returning true keeps them from the map's
 * inspector).
 */
export function cameraLayers(cameras: CameraInfo[], o: CameraLayerOptions) {
  return [
    new SolidPolygonLayer<CameraInfo>({
      id: 'cameras#cones',
      data: cameras,
      getPolygon: (c) => viewCone(c),
      getFillColor: (c) => (c.id === o.selected ? [31, 111, 235, 120] : [31, 111, 235, 56]),
      updateTriggers: { getFillColor: o.selected },
      pickable: false,
    }),
    new IconLayer<CameraInfo>({
      id: 'cameras#icons',
      data: cameras,
      getPosition: (c) => c.location,
      getIcon: () => ICON,
      getSize: (c) => (c.id === o.selected ? 34 : 26),
      updateTriggers: { getSize: o.selected },
      sizeUnits: 'pixels',
      pickable: true,
      onHover: (info: PickingInfo<CameraInfo>) => o.onHover(info.object ?? null, info.x, info.y),
      onClick: (info: PickingInfo<CameraInfo>) => {
        if (!info.object) return false;
        o.onClick(info.object);
        return true;
      },
    }),
  ];
}
