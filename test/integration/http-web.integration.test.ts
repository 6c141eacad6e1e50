import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type AppRig, appRig } from '../support/app-harness.js';
import { tempDir } from '../support/fixtures.js';

// The built web app is served by the same Fastify app: pages revalidated, hashed assets
// cached for good, client-side routes (/manage/<ref>) answered with the booking page.

let r: AppRig | undefined;
const web = tempDir('holdfast-web-');
afterEach(async () => {
  await r?.dispose();
  r = undefined;
});

const site = (): string => {
  mkdirSync(join(web.path, 'assets'), { recursive: true });
  writeFileSync(join(web.path, 'index.html'), '<!doctype html><title>booking</title>');
  writeFileSync(join(web.path, 'owner.html'), '<!doctype html><title>owner</title>');
  writeFileSync(join(web.path, 'assets', 'index-abc123.js'), 'console.log(1)');
  return web.path;
};

describe('the web app', () => {
  it('serves the booking page, the manage route and the owner console, with strict headers', async () => {
    r = await appRig({ settings: { webRoot: site() } });
    for (const [url, title] of [
      ['/', 'booking'],
      ['/manage/HF-ABCD-EFGH?token=x', 'booking'],
      ['/owner', 'owner'],
    ]) {
      const res = await r.app.inject(url ?? '/');
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.body).toContain(`<title>${title}</title>`);
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    }
    const asset = await r.app.inject('/assets/index-abc123.js');
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toContain('immutable');
    const missing = await r.app.inject('/assets/nothing.js');
    expect(missing.statusCode).toBe(404);
    expect(JSON.parse(missing.body).error).toBe('not_found');
    // The API is still the API.
    expect((await r.app.inject('/api/timeslots')).statusCode).toBe(200);
  });

  it('serves the API alone when there is no built web app', async () => {
    r = await appRig();
    expect((await r.app.inject('/')).statusCode).toBe(404);
  });
});
