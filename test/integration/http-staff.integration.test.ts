import { afterEach, describe, expect, it } from 'vitest';
import { setupToken } from '../../src/accounts/setup-link.js';
import { type AppRig, appRig, OWNER_TOKEN, SESSION_SECRET, slotIdAt } from '../support/app-harness.js';
import { MINUTE } from '../support/fixtures.js';
import {
  benSlot,
  errorOf,
  joinBen,
  OWNER_PASSWORD,
  rigWithBen,
  STYLIST_PASSWORD,
  setUpOwner,
  setupTokenFor,
  staffBrowser,
} from '../support/staff.js';

// Staff accounts through the real app and a real SQLite log: the one-time setup link,
// password rules, sign-in and sign-out, revocation, a changed password ending the other
// sessions, sign-in limits that never lock the right password out, CSRF, and the audit
// naming who did what.

let r: AppRig | undefined;
afterEach(async () => {
  await r?.dispose();
  r = undefined;
});

const json = (reply: { body: string }) => JSON.parse(reply.body);
const customer = { name: 'Zoë', phone: '07700 900123' };

/** A client books a slot; its booking reference. */
const book = async (rig: AppRig, slotId: string, ip = '203.0.113.50'): Promise<string> => {
  const client = rig.client({ ip });
  expect((await client.post(`/api/timeslots/${slotId}/reserve`)).statusCode).toBe(200);
  const booked = await client.post(`/api/timeslots/${slotId}/book`, { customer });
  expect(booked.statusCode).toBe(200);
  return json(booked).booking.reference;
};

describe('setting up the first owner', () => {
  it('works once, with a link that is signed and runs out after an hour', async () => {
    r = await rigWithBen();
    const browser = staffBrowser(r);
    expect(json(await browser.get('/api/auth/setup'))).toEqual({ needed: true });
    const body = (token: string) => ({ token, email: 'Olive@Salon.example', name: 'Olive', password: OWNER_PASSWORD });

    // A forged or stale link does nothing.
    expect(errorOf(await browser.post('/api/auth/setup', body(`${setupTokenFor(r)}x`)))).toEqual([410, 'link_invalid']);
    const stale = setupToken(SESSION_SECRET, r.rig.clock.now() - 61 * MINUTE);
    expect(errorOf(await browser.post('/api/auth/setup', body(stale)))).toEqual([410, 'link_invalid']);
    const otherSalon = setupToken('another-salon-secret-0123456789abcdef', r.rig.clock.now());
    expect(errorOf(await browser.post('/api/auth/setup', body(otherSalon)))).toEqual([410, 'link_invalid']);
    expect(r.rig.engine.models.accounts.accounts.size).toBe(0);

    const token = setupTokenFor(r);
    const created = await browser.post('/api/auth/setup', body(token));
    expect(created.statusCode).toBe(201);
    expect(json(created).account).toMatchObject({ email: 'olive@salon.example', name: 'Olive', role: 'owner' });
    expect(json(await browser.get('/api/auth/me')).account.email).toBe('olive@salon.example');

    // The same link, or another, can never make a second owner.
    const again = staffBrowser(r);
    expect(errorOf(await again.post('/api/auth/setup', { ...body(token), email: 'mallory@x.example' }))).toEqual([
      409,
      'already_set_up',
    ]);
    expect(json(await again.get('/api/auth/setup'))).toEqual({ needed: false });
    expect(r.rig.engine.models.accounts.accounts.size).toBe(1);
  });

  it('refuses short and common passwords, and ones containing the email or name', async () => {
    r = await rigWithBen();
    const browser = staffBrowser(r);
    for (const password of ['short-1', 'password1234', 'qwerty123456', 'olive-likes-tulips-9']) {
      const reply = await browser.post('/api/auth/setup', {
        token: setupTokenFor(r),
        email: 'olive@salon.example',
        name: 'Olive',
        password,
      });
      expect(errorOf(reply)).toEqual([400, 'weak_password']);
    }
    expect(r.rig.engine.models.accounts.accounts.size).toBe(0);
  });
});

describe('console sessions', () => {
  it('sign-in sets an HttpOnly, SameSite=Strict cookie (Secure over TLS); sign-out ends it', async () => {
    r = await appRig({ settings: { trustProxy: ['127.0.0.1'] } });
    await setUpOwner(r);
    const browser = staffBrowser(r, { ip: '127.0.0.1' });
    const wrong = await browser.post('/api/auth/login', { email: 'olive@salon.example', password: 'not-the-password' });
    expect(errorOf(wrong)).toEqual([401, 'invalid_credentials']);
    const unknown = await browser.post('/api/auth/login', { email: 'nobody@salon.example', password: OWNER_PASSWORD });
    expect(errorOf(unknown)).toEqual([401, 'invalid_credentials']);

    const signedIn = await browser.request(
      'POST',
      '/api/auth/login',
      { email: 'OLIVE@salon.example', password: OWNER_PASSWORD },
      { 'x-forwarded-proto': 'https', origin: 'https://localhost' },
    );
    expect(signedIn.statusCode).toBe(200);
    const set = [signedIn.headers['set-cookie']].flat().join('\n');
    expect(set).toMatch(/hf_staff=[^;]+; Max-Age=\d+; Path=\/api; HttpOnly; Secure; SameSite=Strict/);
    expect(set).not.toContain(OWNER_PASSWORD);
    expect((await browser.get('/api/admin/bookings')).statusCode).toBe(200);

    const session = browser.cookies.hf_staff;
    expect((await browser.post('/api/auth/logout')).statusCode).toBe(200);
    expect(browser.cookies.hf_staff).toBeUndefined();
    // The old cookie, replayed, opens nothing.
    const replayed = await r.app.inject({ url: '/api/admin/bookings', headers: { cookie: `hf_staff=${session}` } });
    expect(errorOf(replayed)).toEqual([401, 'unauthorized']);
  });

  it('the owner lists and revokes sessions; a changed password ends every other session', async () => {
    r = await rigWithBen();
    const owner = await setUpOwner(r);
    const { browser: phone, accountId } = await joinBen(r, owner);
    const laptop = staffBrowser(r, { ip: '198.51.100.21' });
    expect(
      (await laptop.post('/api/auth/login', { email: 'ben@salon.example', password: STYLIST_PASSWORD })).statusCode,
    ).toBe(200);

    const sessions = json(await owner.get('/api/admin/sessions')).sessions as Array<{
      id: string;
      account_id: string;
      current: boolean;
    }>;
    expect(sessions.filter((s) => s.account_id === accountId)).toHaveLength(2);
    expect(sessions.filter((s) => s.current)).toHaveLength(1);
    const phoneSession = json(await phone.get('/api/auth/me')).session.id;
    expect((await owner.post(`/api/admin/sessions/${phoneSession}/revoke`)).statusCode).toBe(200);
    expect(errorOf(await phone.get('/api/admin/bookings'))).toEqual([401, 'unauthorized']);
    expect((await laptop.get('/api/admin/bookings')).statusCode).toBe(200);
    expect(errorOf(await owner.post('/api/admin/sessions/no-such-session/revoke'))).toEqual([404, 'session_not_found']);

    // Ben signs in on the phone again, then changes his password on the laptop.
    expect(
      (await phone.post('/api/auth/login', { email: 'ben@salon.example', password: STYLIST_PASSWORD })).statusCode,
    ).toBe(200);
    const wrongCurrent = await laptop.post('/api/auth/password', {
      current_password: 'not-my-password',
      new_password: 'a-brand-new-secret-77',
    });
    expect(errorOf(wrongCurrent)).toEqual([401, 'invalid_credentials']);
    const weak = await laptop.post('/api/auth/password', {
      current_password: STYLIST_PASSWORD,
      new_password: 'password1234',
    });
    expect(errorOf(weak)).toEqual([400, 'weak_password']);
    const changed = await laptop.post('/api/auth/password', {
      current_password: STYLIST_PASSWORD,
      new_password: 'a-brand-new-secret-77',
    });
    expect(changed.statusCode).toBe(200);
    expect((await laptop.get('/api/admin/bookings')).statusCode).toBe(200);
    expect(errorOf(await phone.get('/api/admin/bookings'))).toEqual([401, 'unauthorized']);
    expect(
      errorOf(await phone.post('/api/auth/login', { email: 'ben@salon.example', password: STYLIST_PASSWORD })),
    ).toEqual([401, 'invalid_credentials']);
    expect(
      (await phone.post('/api/auth/login', { email: 'ben@salon.example', password: 'a-brand-new-secret-77' }))
        .statusCode,
    ).toBe(200);
  });

  it('deactivating an account signs it out everywhere; the last owner cannot be removed', async () => {
    r = await rigWithBen();
    const owner = await setUpOwner(r);
    const { browser: benBrowser, accountId } = await joinBen(r, owner);
    expect(json(await owner.post(`/api/admin/staff/${accountId}/deactivate`)).account.active).toBe(false);
    expect(errorOf(await benBrowser.get('/api/admin/bookings'))).toEqual([401, 'unauthorized']);
    expect(
      errorOf(await benBrowser.post('/api/auth/login', { email: 'ben@salon.example', password: STYLIST_PASSWORD })),
    ).toEqual([401, 'invalid_credentials']);
    expect(json(await owner.post(`/api/admin/staff/${accountId}/reactivate`)).account.active).toBe(true);
    expect(
      (await benBrowser.post('/api/auth/login', { email: 'ben@salon.example', password: STYLIST_PASSWORD })).statusCode,
    ).toBe(200);

    const oliveId = json(await owner.get('/api/auth/me')).account.id;
    expect(errorOf(await owner.post(`/api/admin/staff/${oliveId}/deactivate`))).toEqual([409, 'last_owner']);
    expect(
      errorOf(await owner.request('PATCH', `/api/admin/staff/${oliveId}`, { role: 'stylist', stylist: 'Olive' })),
    ).toEqual([409, 'last_owner']);
    // One email, one column, one account.
    const dupEmail = await owner.post('/api/admin/staff/invites', {
      name: 'B',
      email: 'BEN@salon.example',
      role: 'owner',
    });
    expect(errorOf(dupEmail)).toEqual([409, 'email_taken']);
    const dupColumn = await owner.post('/api/admin/staff/invites', {
      name: 'Benjamin',
      email: 'benjamin@salon.example',
      role: 'stylist',
      stylist: 'ben',
    });
    expect(errorOf(dupColumn)).toEqual([409, 'stylist_taken']);
  });

  it('an invite or reset link works once, and a withdrawn one not at all', async () => {
    r = await rigWithBen();
    const owner = await setUpOwner(r);
    const invited = json(
      await owner.post('/api/admin/staff/invites', {
        name: 'Anna',
        email: 'anna@salon.example',
        role: 'stylist',
        stylist: 'Anna',
      }),
    );
    const token = new URL(invited.link).searchParams.get('token') ?? '';
    expect(new URL(invited.link).pathname).toBe('/owner/invite');
    const anna = staffBrowser(r);
    expect(json(await anna.get(`/api/auth/link?token=${token}`))).toMatchObject({
      purpose: 'invite',
      name: 'Anna',
      role: 'stylist',
      stylist: 'Anna',
    });
    expect((await anna.post('/api/auth/link', { token, password: 'cuts-beautifully-9' })).statusCode).toBe(200);
    const thief = staffBrowser(r);
    expect(errorOf(await thief.post('/api/auth/link', { token, password: 'mallory-was-here-1' }))).toEqual([
      410,
      'link_invalid',
    ]);
    expect(errorOf(await thief.get(`/api/auth/link?token=${token}`))).toEqual([410, 'link_invalid']);

    const second = json(
      await owner.post('/api/admin/staff/invites', {
        name: 'Chloé',
        email: 'chloe@salon.example',
        role: 'stylist',
        stylist: 'Chloé',
      }),
    );
    expect((await owner.post(`/api/admin/staff/invites/${second.invite.id}/withdraw`)).statusCode).toBe(200);
    const secondToken = new URL(second.link).searchParams.get('token') ?? '';
    expect(errorOf(await thief.post('/api/auth/link', { token: secondToken, password: 'mallory-was-here-1' }))).toEqual(
      [410, 'link_invalid'],
    );

    // A reset link sets a new password and ends the person's sessions; it runs out after an hour.
    const annaId = json(await anna.get('/api/auth/me')).account.id;
    const reset = json(await owner.post(`/api/admin/staff/${annaId}/reset-link`));
    const resetToken = new URL(reset.link).searchParams.get('token') ?? '';
    const newPhone = staffBrowser(r);
    expect(
      (await newPhone.post('/api/auth/link', { token: resetToken, password: 'fresh-start-password-5' })).statusCode,
    ).toBe(200);
    expect(errorOf(await anna.get('/api/admin/bookings'))).toEqual([401, 'unauthorized']);
    const late = json(await owner.post(`/api/admin/staff/${annaId}/reset-link`));
    await r.rig.clock.increment(61 * MINUTE);
    const lateToken = new URL(late.link).searchParams.get('token') ?? '';
    expect(
      errorOf(await newPhone.post('/api/auth/link', { token: lateToken, password: 'fresher-start-password-6' })),
    ).toEqual([410, 'link_invalid']);
  });
});

describe('sign-in limits', () => {
  const wrong = { email: 'olive@salon.example', password: 'guess-guess-guess' };
  const right = { email: 'olive@salon.example', password: OWNER_PASSWORD };

  it('back off a guesser on one account and network, never the right password from a browser that signed in before', async () => {
    r = await rigWithBen();
    const owner = await setUpOwner(r, { ip: '198.51.100.30' }); // Olive's own browser (it has a device cookie)
    const guesser = staffBrowser(r, { ip: '198.51.100.30' }); // someone on the salon's network
    for (let i = 0; i < 5; i += 1)
      expect(errorOf(await guesser.post('/api/auth/login', wrong))).toEqual([401, 'invalid_credentials']);
    // Now the pair waits (1 s, then doubling): refused without even checking, with Retry-After.
    const blocked = await guesser.post('/api/auth/login', right);
    expect(errorOf(blocked)).toEqual([429, 'too_many_attempts']);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThanOrEqual(1);

    // Olive's own browser, on the same network, signs in at once.
    expect((await owner.post('/api/auth/login', right)).statusCode).toBe(200);
    // So does a new browser on another network.
    expect((await staffBrowser(r, { ip: '192.0.2.77' }).post('/api/auth/login', right)).statusCode).toBe(200);
    // And someone else on the network guessing at Olive does not slow Ben's sign-in there.
    await joinBen(r, owner);
    const benNew = staffBrowser(r, { ip: '198.51.100.30' });
    expect(
      (await benNew.post('/api/auth/login', { email: 'ben@salon.example', password: STYLIST_PASSWORD })).statusCode,
    ).toBe(200);

    // Each further wrong try doubles the wait.
    await r.rig.clock.increment(1_000);
    expect(errorOf(await guesser.post('/api/auth/login', wrong))).toEqual([401, 'invalid_credentials']);
    const longer = await guesser.post('/api/auth/login', wrong);
    expect([...errorOf(longer), longer.headers['retry-after']]).toEqual([429, 'too_many_attempts', '2']);
    // The wait runs out, and the right password then works for the guesser's browser too.
    await r.rig.clock.increment(2_000);
    expect((await guesser.post('/api/auth/login', right)).statusCode).toBe(200);
  });

  it('limit an unknown email like a known one (no way to tell which emails have accounts)', async () => {
    r = await rigWithBen();
    await setUpOwner(r);
    const guesser = staffBrowser(r, { ip: '198.51.100.31' });
    const ghost = { email: 'ghost@salon.example', password: 'guess-guess-guess' };
    for (let i = 0; i < 5; i += 1)
      expect(errorOf(await guesser.post('/api/auth/login', ghost))).toEqual([401, 'invalid_credentials']);
    expect(errorOf(await guesser.post('/api/auth/login', ghost))).toEqual([429, 'too_many_attempts']);
  });
});

describe('sign-in floods', () => {
  it('one check at a time per account and network: a burst of guesses is not a way round the backoff', async () => {
    r = await rigWithBen();
    await setUpOwner(r);
    const guesser = staffBrowser(r, { ip: '198.51.100.32' });
    const burst = await Promise.all(
      Array.from({ length: 10 }, () =>
        guesser.post('/api/auth/login', { email: 'olive@salon.example', password: 'guess-guess-guess' }),
      ),
    );
    const codes = burst.map((reply) => errorOf(reply).join(' ')).sort();
    expect(codes.filter((c) => c === '401 invalid_credentials')).toHaveLength(1);
    expect(codes.filter((c) => c === '429 too_many_attempts')).toHaveLength(9);
  });

  it('caps checks per network for unknown browsers, never for one that signed in before', async () => {
    r = await rigWithBen();
    const owner = await setUpOwner(r, { ip: '198.51.100.33' });
    const sprayer = staffBrowser(r, { ip: '198.51.100.33' });
    for (let i = 0; i < 20; i += 1) {
      const reply = await sprayer.post('/api/auth/login', {
        email: `nobody-${i}@x.example`,
        password: 'guess-guess-guess',
      });
      expect(errorOf(reply)).toEqual([401, 'invalid_credentials']);
    }
    const capped = await sprayer.post('/api/auth/login', {
      email: 'nobody-20@x.example',
      password: 'guess-guess-guess',
    });
    expect(errorOf(capped)).toEqual([429, 'too_many_attempts']);
    expect(Number(capped.headers['retry-after'])).toBeLessThanOrEqual(60);
    // Olive's own browser on that network, and a browser on another network, are not held up.
    const right = { email: 'olive@salon.example', password: OWNER_PASSWORD };
    expect((await owner.post('/api/auth/login', right)).statusCode).toBe(200);
    expect((await staffBrowser(r, { ip: '192.0.2.78' }).post('/api/auth/login', right)).statusCode).toBe(200);
    await r.rig.clock.increment(60_000);
    expect(errorOf(await sprayer.post('/api/auth/login', right))).toEqual([200, undefined]);
  });
});

describe('cross-site requests', () => {
  it('refuses a state change made with the console cookie unless it comes from our own page', async () => {
    r = await rigWithBen();
    const owner = await setUpOwner(r);
    const close = (headers: Record<string, string | undefined>) =>
      owner.request('POST', `/api/admin/timeslots/${slotIdAt(2)}/close`, {}, headers);
    expect(errorOf(await close({ origin: 'https://evil.example' }))).toEqual([403, 'cross_site_request']);
    expect(errorOf(await close({ origin: undefined }))).toEqual([403, 'cross_site_request']);
    expect(errorOf(await close({ origin: undefined, 'sec-fetch-site': 'cross-site' }))).toEqual([
      403,
      'cross_site_request',
    ]);
    expect(r.rig.engine.models.availability.slots.get(slotIdAt(2))?.status).toBe('available');
    // Reads need no Origin; our own page may act.
    expect((await owner.request('GET', '/api/admin/bookings', undefined, { origin: undefined })).statusCode).toBe(200);
    expect((await close({ origin: undefined, 'sec-fetch-site': 'same-origin' })).statusCode).toBe(200);
    // The API token is no ambient credential: automation needs no Origin.
    const byToken = await r.app.inject({
      method: 'POST',
      url: `/api/admin/timeslots/${slotIdAt(2)}/reopen`,
      headers: { authorization: `Bearer ${OWNER_TOKEN}` },
      payload: {},
    });
    expect(byToken.statusCode).toBe(200);
    // Signing in or out from another site is refused too.
    const login = await staffBrowser(r).request(
      'POST',
      '/api/auth/login',
      { email: 'olive@salon.example', password: OWNER_PASSWORD },
      { origin: 'https://evil.example' },
    );
    expect(errorOf(login)).toEqual([403, 'cross_site_request']);
    expect(errorOf(await owner.request('POST', '/api/auth/logout', {}, { origin: 'https://evil.example' }))).toEqual([
      403,
      'cross_site_request',
    ]);
    expect((await owner.get('/api/admin/bookings')).statusCode).toBe(200);
  });
});

describe('the audit names who did what', () => {
  it('slot histories and the accounts history carry the account that acted', async () => {
    r = await rigWithBen();
    const owner = await setUpOwner(r);
    const { browser: benBrowser } = await joinBen(r, owner);
    expect((await benBrowser.post(`/api/admin/timeslots/${benSlot(6)}/close`, { reason: 'dentist' })).statusCode).toBe(
      200,
    );
    const reference = await book(r, slotIdAt(3));
    expect((await owner.post(`/api/admin/bookings/${reference}/cancel`, { reason: 'flood' })).statusCode).toBe(200);
    await r.owner('POST', `/api/admin/timeslots/${slotIdAt(5)}/close`, {});

    const whoDid = async (slotId: string, type: string) =>
      (
        json(await owner.get(`/api/admin/timeslots/${slotId}/history`)).events as Array<{ type: string; who: unknown }>
      ).find((e) => e.type === type)?.who;
    expect(await whoDid(benSlot(6), 'TimeslotClosed')).toMatchObject({ kind: 'staff', name: 'Ben', role: 'stylist' });
    expect(await whoDid(slotIdAt(3), 'BookingCancelled')).toMatchObject({
      kind: 'staff',
      name: 'Olive',
      role: 'owner',
    });
    expect(await whoDid(slotIdAt(5), 'TimeslotClosed')).toEqual({ kind: 'owner' }); // the API token

    const events = json(await owner.get('/api/admin/staff/history')).events as Array<{
      type: string;
      who: { name?: string };
      data: Record<string, unknown>;
    }>;
    expect(events.find((e) => e.type === 'AccessLinkIssued')?.who.name).toBe('Olive');
    expect(events.find((e) => e.type === 'AccountCreated' && e.data.name === 'Ben')?.who.name).toBe('Ben');
    expect(JSON.stringify(events)).not.toMatch(/passwordHash|tokenHash|argon2/);
  });
});
