import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { staticRoutes } from './static-routes';

describe('static routes for the web app', () => {
  const root = mkdtempSync(join(tmpdir(), 'twin-web-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('answers 503 with an explanation while there is no build', async () => {
    const app = staticRoutes({ root: join(root, 'missing') });
    const res = await app.request('/');
    expect(res.status).toBe(503);
    expect(res.headers.get('Content-Type')).toMatch(/text\/html/);
    expect(await res.text()).toMatch(/has not been built.*npm start/s);
  });

  it('serves index.html revalidated and hashed assets cached for a year', async () => {
    mkdirSync(join(root, 'assets'), { recursive: true });
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>twin</title>');
    writeFileSync(join(root, 'assets', 'index-abc123.js'), 'console.log(1)');
    const app = staticRoutes({ root });

    const page = await app.request('/');
    expect(page.status).toBe(200);
    expect(page.headers.get('Cache-Control')).toBe('no-cache');
    expect(await page.text()).toContain('<title>twin</title>');

    const asset = await app.request('/assets/index-abc123.js');
    expect(asset.status).toBe(200);
    expect(asset.headers.get('Cache-Control')).toContain('immutable');
    expect(asset.headers.get('Content-Type')).toMatch(/javascript/);

    expect((await app.request('/assets/nope.js')).status).toBe(404);
    expect((await app.request('/../package.json')).status).toBe(404);
  });
});
