import { describe, expect, it } from 'vitest';
import { RateLimiter, rateKind } from './rate-limiter';
import { SignInThrottle } from '../auth/sign-in-throttle';

describe('rate limiter', () => {
  it('allows the limit per minute per client and kind, then gives the seconds left in the window', () => {
    let now = 60_000 * 100 + 15_000;
    const limiter = new RateLimiter(
      { signIn: 2, writes: 3, impacts: 0, previews: 1, ingest: 1 },
      () => now,
    );
    expect([1, 2, 3].map(() => limiter.take('writes', 'a'))).toEqual([0, 0, 0]);
    expect(limiter.take('writes', 'a')).toBe(45);
    expect(limiter.take('writes', 'b')).toBe(0);
    expect(limiter.take('signIn', 'a')).toBe(0);
    // 0: no limit.
    for (let i = 0; i < 100; i++) expect(limiter.take('impacts', 'a')).toBe(0);
    now += 45_000;
    expect(limiter.take('writes', 'a')).toBe(0);
  });

  it('counts sign-in, ingest, previews and impacts apart from other writes', () => {
    expect(rateKind('POST', ['POST /api/session'])).toBe('signIn');
    expect(rateKind('POST', ['POST /api/ingest/readings'])).toBe('ingest');
    expect(rateKind('POST', ['POST /api/datasets/preview'])).toBe('previews');
    expect(rateKind('GET', ['GET /api/scenarios/:id/impact'])).toBe('impacts');
    expect(rateKind('DELETE', ['DELETE /api/scenarios/:id'])).toBe('writes');
    expect(rateKind('GET', ['GET /tiles/:layers/:z/:x/:y'])).toBeUndefined();
  });
});

describe('sign-in throttle', () => {
  it('makes an account wait 1 s, 2 s, 4 s … after the free failures, up to 15 minutes, and forgets it on success', () => {
    let now = 0;
    const t = new SignInThrottle(2, () => now);
    t.failed('Alice');
    t.failed('alice');
    expect(t.waitS('alice')).toBe(0);
    t.failed('alice');
    expect(t.waitS('ALICE')).toBe(1);
    t.failed('alice');
    expect(t.waitS('alice')).toBe(2);
    for (let i = 0; i < 30; i++) t.failed('alice');
    expect(t.waitS('alice')).toBe(900);
    expect(t.waitS('bob')).toBe(0);
    now += 900_000;
    expect(t.waitS('alice')).toBe(0);
    t.succeeded('alice');
    t.failed('alice');
    expect(t.waitS('alice')).toBe(0);
  });
});
