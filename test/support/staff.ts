import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { setupToken } from '../../src/accounts/setup-link.js';
import { type AppRig, appRig, defaultSlots, SESSION_SECRET, slotIdAt } from './app-harness.js';
import { HOUR, MINUTE, T0 } from './fixtures.js';

// A staff member's browser against the app: keeps the cookies the server sets (the console
// session, the device cookie), and sends the Origin a browser sends from our own pages
// unless told otherwise.

export const ORIGIN = 'http://localhost';
export const OWNER_PASSWORD = 'tulip-harbour-42-lime';
export const STYLIST_PASSWORD = 'scissors-and-combs-77';

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export type StaffBrowser = {
  /** Cookies as a Cookie header (name=value; …). */
  readonly cookies: Record<string, string>;
  request(
    method: Method,
    url: string,
    body?: unknown,
    headers?: Record<string, string | undefined>,
  ): Promise<LightMyRequestResponse>;
  get(url: string): Promise<LightMyRequestResponse>;
  post(url: string, body?: unknown): Promise<LightMyRequestResponse>;
};

export const staffBrowser = (r: AppRig, { ip = '198.51.100.20' }: { ip?: string } = {}): StaffBrowser => {
  const cookies: Record<string, string> = {};
  const request: StaffBrowser['request'] = async (method, url, body, headers = {}) => {
    const cookie = Object.entries(cookies)
      .map(([k, v]) => `${k}=${v}`)
      .join('; ');
    const sent: Record<string, string> = {
      ...(method !== 'GET' && { origin: ORIGIN }),
      ...(cookie !== '' && { cookie }),
    };
    for (const [k, v] of Object.entries(headers)) {
      if (v === undefined) delete sent[k];
      else sent[k] = v;
    }
    const options: InjectOptions = { method, url, remoteAddress: ip, headers: sent };
    if (body !== undefined) options.payload = body as object;
    const response = await r.app.inject(options);
    const set = response.headers['set-cookie'];
    for (const line of Array.isArray(set) ? set : set === undefined ? [] : [set]) {
      const [pair] = line.split(';');
      const at = pair?.indexOf('=') ?? -1;
      if (pair === undefined || at < 0) continue;
      const name = pair.slice(0, at);
      const value = pair.slice(at + 1);
      if (value === '' || /Max-Age=0|Expires=Thu, 01 Jan 1970/i.test(line)) delete cookies[name];
      else cookies[name] = value;
    }
    return response;
  };
  return {
    cookies,
    request,
    get: (url) => request('GET', url),
    post: (url, body) => request('POST', url, body ?? {}),
  };
};

/** A setup token as the process prints at start, under the rig's secret and clock. */
export const setupTokenFor = (r: AppRig): string => setupToken(SESSION_SECRET, r.rig.clock.now());

/** The first owner (Olive), signed in on a browser of their own. */
export const setUpOwner = async (r: AppRig, options: { ip?: string } = {}): Promise<StaffBrowser> => {
  const browser = staffBrowser(r, options);
  const reply = await browser.post('/api/auth/setup', {
    token: setupTokenFor(r),
    email: 'olive@salon.example',
    name: 'Olive',
    password: OWNER_PASSWORD,
  });
  if (reply.statusCode !== 201) throw new Error(`setup failed: ${reply.statusCode} ${reply.body}`);
  return browser;
};

/** Invites someone as `by`, and has them accept on a browser of their own (signed in). */
export const inviteAndJoin = async (
  r: AppRig,
  by: StaffBrowser,
  person: { name: string; email: string; role: 'owner' | 'stylist'; stylist?: string },
  options: { ip?: string; password?: string } = {},
): Promise<{ browser: StaffBrowser; accountId: string }> => {
  const invited = await by.post('/api/admin/staff/invites', person);
  if (invited.statusCode !== 201) throw new Error(`invite failed: ${invited.statusCode} ${invited.body}`);
  const token = new URL(JSON.parse(invited.body).link).searchParams.get('token') ?? '';
  const browser = staffBrowser(r, options);
  const joined = await browser.post('/api/auth/link', { token, password: options.password ?? STYLIST_PASSWORD });
  if (joined.statusCode !== 200) throw new Error(`joining failed: ${joined.statusCode} ${joined.body}`);
  return { browser, accountId: JSON.parse(joined.body).account.id };
};

export const errorOf = (reply: LightMyRequestResponse): [number, string | undefined] => [
  reply.statusCode,
  reply.statusCode >= 400 ? (JSON.parse(reply.body) as { error?: string }).error : undefined,
];

/** Ben, a stylist with his own column, invited by `by` and signed in on his own browser. */
export const joinBen = (r: AppRig, by: StaffBrowser, options: { ip?: string } = {}) =>
  inviteAndJoin(r, by, { name: 'Ben', email: 'ben@salon.example', role: 'stylist', stylist: 'Ben' }, options);

/** Ben's one-hour slots, alongside Anna's (app-harness), `h` hours after T0. */
export const ben = (h: number) => ({ stylist: 'Ben', startsAt: T0 + h * HOUR, endsAt: T0 + h * HOUR + 60 * MINUTE });
export const benSlot = (h: number) => slotIdAt(h).replace('anna-', 'ben-');
/** The app with Anna's and Ben's columns, 10:00–15:00 on the test Saturday. */
export const rigWithBen = () => appRig({ slots: [...defaultSlots, ...[2, 3, 4, 5, 6].map(ben)] });
