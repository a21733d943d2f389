import { describe, expect, it } from 'vitest';
import { formatHash, normalizeBearing, parseHash } from './url-hash';

const LAYERS = ['buildings', 'roads', 'water_pipes', 'land_use', 'labels'];

describe('url hash', () => {
  it('formats the camera in MapLibre order with precision that follows zoom', () => {
    const hash = formatHash({
      camera: { center: [5.121412345, 52.090712345], zoom: 15.2345, bearing: -20, pitch: 30 },
      layers: ['buildings', 'roads'],
    });
    expect(hash).toBe('#map=15.23/52.090712/5.121412/-20/30&layers=buildings,roads');
  });

  it('round-trips a shared view, layers and 2D mode', () => {
    const state = {
      camera: {
        center: [5.1214, 52.0907] as [number, number],
        zoom: 16.5,
        bearing: 45.5,
        pitch: 55,
      },
      layers: ['roads', 'labels'],
      view: '2d' as const,
    };
    expect(parseHash(formatHash(state), LAYERS)).toEqual(state);
  });

  it('reads the issue example and clamps a pitch outside 0–70°', () => {
    expect(parseHash('#map=15.2/52.0907/5.1214/30/-20&layers=buildings,roads', LAYERS)).toEqual({
      camera: { center: [5.1214, 52.0907], zoom: 15.2, bearing: 30, pitch: 0 },
      layers: ['buildings', 'roads'],
    });
    expect(parseHash('#map=15/52/5/0/89', LAYERS).camera?.pitch).toBe(70);
  });

  it('accepts a MapLibre hash without bearing and pitch', () => {
    expect(parseHash('#map=12/52.1/5.1', LAYERS).camera).toEqual({
      center: [5.1, 52.1],
      zoom: 12,
      bearing: 0,
      pitch: 0,
    });
  });

  it('ignores a malformed camera and unknown layers, keeping layer order from the panel', () => {
    expect(parseHash('#map=abc/52/5&layers=labels,nope,buildings', LAYERS)).toEqual({
      layers: ['buildings', 'labels'],
    });
    expect(parseHash('#map=12/95/5', LAYERS)).toEqual({});
    expect(parseHash('#map=12/52/200', LAYERS)).toEqual({});
  });

  it('treats an empty layers list as "no layers", and no list as "defaults"', () => {
    expect(parseHash('#layers=', LAYERS).layers).toEqual([]);
    expect(parseHash('', LAYERS).layers).toBeUndefined();
  });

  it('normalises bearings to (-180, 180]', () => {
    expect(normalizeBearing(190)).toBe(-170);
    expect(normalizeBearing(-180)).toBe(180);
    expect(normalizeBearing(720)).toBe(0);
  });

  it('keeps what search found, with any characters in its name', () => {
    const camera = { center: [5.12, 52.09] as [number, number], zoom: 15, bearing: 0, pitch: 0 };
    const hash = formatHash({ camera, layers: ['roads'], find: 'street:Saint-Jacques & Co' });
    expect(hash).toContain('&find=street%3ASaint-Jacques%20%26%20Co');
    expect(parseHash(hash, LAYERS).find).toBe('street:Saint-Jacques & Co');
    expect(parseHash('#find=nokind', LAYERS).find).toBeUndefined();
  });

  it('keeps the open scenario and its swipe compare, and drops a malformed scenario id', () => {
    const id = '0b5c3a8e-4d1f-4c7a-9e2b-7f6d5c4b3a21';
    const hash = formatHash({
      camera: { center: [5.1, 52.1], zoom: 15, bearing: 0, pitch: 0 },
      layers: ['roads'],
      scenario: id,
      compare: 'swipe',
    });
    expect(hash).toMatch(new RegExp(`&scenario=${id}&compare=swipe$`));
    expect(parseHash(hash, LAYERS)).toMatchObject({ scenario: id, compare: 'swipe' });
    expect(parseHash('#scenario=1;DROP&compare=swipe', LAYERS)).toEqual({});
    // Swipe without a scenario means nothing.
    expect(parseHash('#compare=swipe', LAYERS)).toEqual({});
  });

  it('keeps a story and its step, and ignores a story with characters outside base64url', () => {
    expect(parseHash('#story=eyJ2Ijo-_x&step=3', LAYERS)).toEqual({ story: 'eyJ2Ijo-_x', step: 3 });
    expect(parseHash('#story=abc&step=0', LAYERS)).toEqual({ story: 'abc', step: 1 });
    expect(parseHash('#story=a%20b', LAYERS)).toEqual({});
  });
});
