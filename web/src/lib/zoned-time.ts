/** Dates and clocks in a named IANA time zone, by Intl alone (the city's clock, issue #12). */

/** The wall clock in `timeZone` at `t` (epoch ms), as if it were UTC (epoch ms). */
function wallClock(t: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(new Date(t));
  const n = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second'));
}

/** Minutes `timeZone` is ahead of UTC at `t` (epoch ms). */
export function zoneOffsetMinutes(t: number, timeZone: string): number {
  return Math.round(
    (wallClock(Math.floor(t / 1000) * 1000, timeZone) - Math.floor(t / 1000) * 1000) / 60_000,
  );
}

/** The moment (epoch ms) when the clock in `timeZone` shows `minutes` after midnight of `date`. */
export function zonedTime(date: string, minutes: number, timeZone: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const wall = Date.UTC(y, m - 1, d, 0, minutes);
  // Two passes: the offset at a first guess, then at the moment that guess gives (DST changes).
  const guess = wall - zoneOffsetMinutes(wall, timeZone) * 60_000;
  return wall - zoneOffsetMinutes(guess, timeZone) * 60_000;
}

const pad = (n: number) => String(n).padStart(2, '0');
/** `YYYY-MM-DD` of a moment in `timeZone`. */
export const isoDate = (d: Date, timeZone: string) => {
  const w = new Date(wallClock(d.getTime(), timeZone));
  return `${w.getUTCFullYear()}-${pad(w.getUTCMonth() + 1)}-${pad(w.getUTCDate())}`;
};

/** `UTC+01:00`: a zone's offset from UTC, in words. */
export function offsetLabel(minutes: number): string {
  const a = Math.abs(minutes);
  return `UTC${minutes < 0 ? '−' : '+'}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
}
