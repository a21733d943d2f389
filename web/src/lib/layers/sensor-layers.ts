import { H3HexagonLayer } from '@deck.gl/geo-layers';
import { ScatterplotLayer } from '@deck.gl/layers';
import type { H3Response, SensorAlert } from '../../../../common/sensor-types';
import type { RGB } from '../color-ramps';

/** H3 cell colours by value, low to high (speed ratio: red jammed → green free). */
export const H3_RAMPS: Record<H3Response['metric'], { stops: [number, RGB][]; unit: string }> = {
  speed_ratio: {
    unit: 'speed ÷ free flow',
    stops: [
      [0.3, [214, 40, 40]],
      [0.6, [245, 166, 35]],
      [0.9, [46, 160, 67]],
    ],
  },
  congestion: {
    unit: 'share congested',
    stops: [
      [0, [46, 160, 67]],
      [0.25, [245, 166, 35]],
      [0.5, [214, 40, 40]],
    ],
  },
  readings: {
    unit: 'readings per hour',
    stops: [
      [0, [222, 235, 247]],
      [200, [107, 174, 214]],
      [1000, [8, 69, 148]],
    ],
  },
};

export function rampAt(stops: [number, RGB][], v: number): RGB {
  if (v <= stops[0]![0]) return stops[0]![1];
  for (let i = 1; i < stops.length; i++) {
    const [v1, c1] = stops[i]!;
    const [v0, c0] = stops[i - 1]!;
    if (v <= v1) {
      const t = (v - v0) / (v1 - v0);
      return [0, 1, 2].map((k) => Math.round(c0[k]! + t * (c1[k]! - c0[k]!))) as RGB;
    }
  }
  return stops.at(-1)![1];
}

/** What the hover card shows for a cell or an alert: its words, as tile features carry them. */
type Described<T> = T & { properties: Record<string, unknown> };

const METRIC_WORDS: Record<H3Response['metric'], string> = {
  speed_ratio: 'Mean speed ÷ free flow',
  congestion: 'Share of sensors congested',
  readings: 'Readings in the hour',
};

/** Server-computed H3 roll-ups (`/api/h3`) as translucent hexagons on the ground. */
export function h3Layer(data: H3Response) {
  const ramp = H3_RAMPS[data.metric];
  const cells: Described<H3Response['cells'][number]>[] = data.cells.map((c) => ({
    ...c,
    properties: {
      name: `${METRIC_WORDS[data.metric]}: ${data.metric === 'readings' ? c.value : `${Math.round(c.value * 100)} %`}`,
      sensors: c.sensors,
      cell: c.h3,
    },
  }));
  return new H3HexagonLayer<Described<H3Response['cells'][number]>>({
    // `h3#…`: the hover card and the inspector read the part before '#' as the layer.
    id: `h3#${data.metric}-${data.res}`,
    data: cells,
    getHexagon: (c) => c.h3,
    getFillColor: (c) => [...rampAt(ramp.stops, c.value), 150] as [number, number, number, number],
    extruded: false,
    stroked: true,
    getLineColor: [255, 255, 255, 160],
    lineWidthMinPixels: 1,
    pickable: true,
  });
}

export const ALERT_COLORS: Record<SensorAlert['kind'], RGB> = {
  spike: [214, 40, 40],
  stuck: [128, 90, 213],
  drift: [230, 120, 20],
  silence: [110, 110, 110],
};

/** What each kind of alert means, in words. */
export const ALERT_WORDS: Record<SensorAlert['kind'], string> = {
  spike: 'Sudden jump',
  stuck: 'Stuck value',
  drift: 'Drifting from its peers',
  silence: 'Silent',
};

/** Open anomaly alerts (`/api/alerts`) as ringed markers at their sensors. */
export function alertsLayer(alerts: SensorAlert[]) {
  const data: Described<SensorAlert>[] = alerts.map((a) => ({
    ...a,
    properties: {
      name: `${ALERT_WORDS[a.kind]} · ${a.sensor_name ?? a.external_id}`,
      severity: a.severity,
      reading: a.value,
      since: new Date(a.opened_at).toLocaleString(undefined, {
        weekday: 'short',
        hour: '2-digit',
        minute: '2-digit',
      }),
    },
  }));
  return new ScatterplotLayer<Described<SensorAlert>>({
    id: 'alerts#open',
    data,
    getPosition: (a) => a.location,
    getFillColor: (a) => [...ALERT_COLORS[a.kind], 200] as [number, number, number, number],
    getLineColor: [255, 255, 255, 255],
    stroked: true,
    lineWidthMinPixels: 2,
    radiusUnits: 'pixels',
    getRadius: 7,
    pickable: true,
  });
}
