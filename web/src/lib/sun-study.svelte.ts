import { AmbientLight, DirectionalLight, LightingEffect, type Layer } from '@deck.gl/core';
import { SolidPolygonLayer } from '@deck.gl/layers';
import { getSolarPosition, getSunrise, getSunset } from 'sunrise-sunset-js';
import type { ShadowsResponse } from '../../../common/api-types';
import { getJson } from './api';
import { isoDate, offsetLabel, zonedTime, zoneOffsetMinutes } from './zoned-time';

/** Minutes the clock moves per step while playing, and real milliseconds per step. */
const PLAY_STEP_MIN = 15;
const PLAY_EVERY_MS = 600;

/** The reader's own zone: the clock's zone when the server names none. */
const READER_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;

/**
 * The sun study (issue #12 item 4): a date and a time of day (the city's clock: the time zone
 * `/api/home` names, TWIN_TIME_ZONE or looked up from the city's place) light the 3D
 * buildings from where the sun stands then over the city, and the buildings in view cast their
 * shadows on the ground — polygons from the server (`/api/shadows`, the impact model's shadow
 * geometry), which stay crisp at any pitch where deck.gl's experimental shadow maps break up
 * into stripes; play moves the clock from sunrise to sunset.
 */
export class SunStudy {
  on = $state(false);
  /** The city's IANA time zone: the date and the clock are its local time. */
  timeZone = $state(READER_ZONE);
  /** `YYYY-MM-DD` in `timeZone`. */
  date = $state(isoDate(new Date(), READER_ZONE));
  /** Minutes after midnight in `timeZone`. */
  minutes = $state(12 * 60);
  playing = $state(false);
  /** The shadows of the buildings in view at `timestamp`. */
  shadows = $state.raw<ShadowsResponse | null>(null);
  /** Where the sun is computed: the city's centre, WGS84. */
  center = $state.raw<[number, number]>([0, 0]);
  #timer: ReturnType<typeof setInterval> | null = null;
  #abort: AbortController | null = null;

  /** The moment shown, epoch ms. */
  readonly timestamp = $derived(zonedTime(this.date, this.minutes, this.timeZone));

  /** The zone and its offset that day, for the labels: `Europe/Amsterdam, UTC+02:00`. */
  readonly zoneLabel = $derived(
    `${this.timeZone}, ${offsetLabel(zoneOffsetMinutes(this.timestamp, this.timeZone))}`,
  );

  /** Uses the city's time zone (null: keeps the reader's), keeping today's date there. */
  setTimeZone(timeZone: string | null): void {
    if (!timeZone || timeZone === this.timeZone) return;
    const today = this.date === isoDate(new Date(), this.timeZone);
    this.timeZone = timeZone;
    if (today) this.date = isoDate(new Date(), timeZone);
  }

  /** Sunrise and sunset that day at the city, minutes after midnight in `timeZone`. */
  readonly daylight = $derived.by(() => {
    const midnight = zonedTime(this.date, 0, this.timeZone);
    const noon = new Date(zonedTime(this.date, 12 * 60, this.timeZone));
    // That calendar day in the city's time zone (the slider's clock).
    const day = { timezone: zoneOffsetMinutes(noon.getTime(), this.timeZone) / 60 };
    const [lon, lat] = this.center;
    const t = { sunrise: getSunrise(lat, lon, noon, day), sunset: getSunset(lat, lon, noon, day) };
    const minutes = (x: Date | null) =>
      x && Number.isFinite(x.getTime()) ? (x.getTime() - midnight) / 60_000 : NaN;
    const rise = minutes(t.sunrise);
    const set = minutes(t.sunset);
    // Polar day or night: the whole day.
    return Number.isFinite(rise) && Number.isFinite(set)
      ? { rise: Math.ceil(rise), set: Math.floor(set) }
      : { rise: 0, set: 1439 };
  });

  /**
   * The sun's altitude above the horizon and azimuth (degrees clockwise from north) by the NREL
   * Solar Position Algorithm (sunrise-sunset-js), the impact model's own sun (server/impact/shadow.ts).
   */
  readonly sun = $derived.by(() => {
    const p = getSolarPosition(this.center[1], this.center[0], new Date(this.timestamp));
    return p
      ? { altitude: p.elevation, azimuth: ((p.azimuth % 360) + 360) % 360 }
      : { altitude: -90, azimuth: 0 };
  });

  /**
   * The light for `timestamp`: sky light plus a directional sun from its azimuth and altitude
   * (deck.gl directions point the way the light travels: x east, y north, z up).
   */
  lighting(): LightingEffect {
    const { altitude, azimuth } = this.sun;
    const up = altitude > 0;
    const alt = (Math.max(altitude, 1) * Math.PI) / 180;
    const az = (azimuth * Math.PI) / 180;
    const toSun = [Math.sin(az) * Math.cos(alt), Math.cos(az) * Math.cos(alt), Math.sin(alt)];
    return new LightingEffect({
      ambient: new AmbientLight({ color: [255, 255, 255], intensity: up ? 0.8 : 0.5 }),
      sun: new DirectionalLight({
        color: [255, 244, 226],
        intensity: up ? 1.4 : 0,
        direction: toSun.map((v) => -v) as [number, number, number],
      }),
    });
  }

  /** Fetches the shadows of the buildings in `bbox` (WGS84) at `timestamp`; a newer call wins. */
  async load(bbox: [number, number, number, number]): Promise<void> {
    this.#abort?.abort();
    const abort = (this.#abort = new AbortController());
    const at = new Date(this.timestamp).toISOString();
    const box = bbox.map((v) => v.toFixed(4)).join(',');
    try {
      const body = await getJson<ShadowsResponse>(
        `/api/shadows?at=${encodeURIComponent(at)}&bbox=${box}`,
        abort.signal,
      );
      if (!abort.signal.aborted) this.shadows = body;
    } catch {
      // Aborted by a newer time or view, or the server is away (the status banner says so).
    }
  }

  /** The shadows as a translucent ground layer (drawn under the extruded buildings). */
  shadowLayer(): Layer {
    const data = this.shadows?.shadows ?? [];
    return new SolidPolygonLayer<[number, number][]>({
      id: 'sun-study-shadows',
      data,
      getPolygon: (p) => p,
      getFillColor: [28, 36, 72, 78],
      extruded: false,
      pickable: false,
    });
  }

  setTime(minutes: number): void {
    this.minutes = Math.min(1439, Math.max(0, Math.round(minutes)));
  }

  play(): void {
    if (this.#timer) return;
    this.playing = true;
    const { rise, set } = this.daylight;
    if (this.minutes < rise || this.minutes >= set) this.minutes = rise;
    this.#timer = setInterval(() => {
      const day = this.daylight;
      this.minutes =
        this.minutes + PLAY_STEP_MIN > day.set ? day.rise : this.minutes + PLAY_STEP_MIN;
    }, PLAY_EVERY_MS);
  }

  pause(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.playing = false;
  }
}
