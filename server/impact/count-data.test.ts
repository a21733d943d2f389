import { describe, expect, it } from 'vitest';
import { latestFullPeakWindow, peakWindows } from './count-data';

// Utrecht, the demo city: local solar time is UTC + 20 min 29 s, so 17:00 local is 16:39:31 UTC.
const LON = 5.1214;
const PEAK_UTC = Date.UTC(2026, 11, 3, 16, 39, 30, 864);

describe('peak-hour windows', () => {
  it('lists the week of peak hours begun, latest first, the open one cut at now', () => {
    const now = new Date(PEAK_UTC + 20 * 60_000); // 20 minutes into the peak hour
    const windows = peakWindows(now, LON, 17);
    expect(windows).toHaveLength(7);
    expect(windows[0]![0].getTime()).toBe(PEAK_UTC);
    expect(windows[0]![1].getTime()).toBe(now.getTime());
    expect(windows[1]![0].getTime()).toBe(PEAK_UTC - 86_400_000);
    expect(windows[1]![1].getTime() - windows[1]![0].getTime()).toBe(3_600_000);
  });

  it('gives the latest whole hour: the day before during the peak hour, today once it has ended', () => {
    const during = latestFullPeakWindow(new Date(PEAK_UTC + 20 * 60_000), LON, 17);
    expect(during.map((d) => d.getTime())).toEqual([
      PEAK_UTC - 86_400_000,
      PEAK_UTC - 86_400_000 + 3_600_000,
    ]);
    const after = latestFullPeakWindow(new Date(PEAK_UTC + 3_600_000), LON, 17);
    expect(after.map((d) => d.getTime())).toEqual([PEAK_UTC, PEAK_UTC + 3_600_000]);
    const before = latestFullPeakWindow(new Date(PEAK_UTC - 1), LON, 17);
    expect(before[0].getTime()).toBe(PEAK_UTC - 86_400_000);
  });
});
