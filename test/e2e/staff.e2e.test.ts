import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserMissing, launchChromium, screenshotPath } from '../support/browser.js';
import { tempDir } from '../support/fixtures.js';
import { assertBuilt, type ServerProcess, startServer, stopServer } from '../support/server-process.js';
import { consoleShown, createOwner, OWNER, setupLink, signIn } from './console.js';

// Staff accounts in real Chromium against the real process. The owner creates their account
// from the setup link and invites a stylist; the stylist (another browser) accepts the invite,
// sees only their own column, cannot use the owner's routes, and blocks an afternoon off from
// the Time off tab; a client (a third browser) is then offered no start time in it, and a
// direct hold of a slot in it is refused. The slot's history names the stylist. The owner
// signs the stylist's session out, and the stylist's console goes back to its sign-in form.
//
// The salon is in New York and the stylist's phone in Tokyo: the times typed in and shown
// are the salon's wall clock, whatever the browser's zone.

const ZONE = 'America/New_York';
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 860 };
const STYLIST = { name: 'Ben', email: 'ben@studio.test', password: 'saffron-kettle-meadow-88' };
const COLUMN = 'Ben';
const BLOCK = { from: '13:00', to: '16:00', reason: 'dentist' };
const missing = browserMissing();
const dir = tempDir('holdfast-e2e-staff-');
let server: ServerProcess | undefined;
let browser: Browser | undefined;

type Slot = { id: string; stylist: string; start_time: string; status: string };
/** A start time on the booking page: its first slot, and every slot of the appointment. */
type Option = { id: string; slots: string[] };

const newPage = async (viewport: { width: number; height: number }, options: BrowserContextOptions = {}) => {
  const context = await (browser as Browser).newContext({ viewport, deviceScaleFactor: 1, ...options });
  const page = await context.newPage();
  page.on('pageerror', (error) => {
    throw error;
  });
  return page;
};

/** "13:00": a slot's start on the salon's wall clock. */
const wallClock = (iso: string): string =>
  new Intl.DateTimeFormat('en-GB', { timeZone: ZONE, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(
    new Date(iso),
  );

/** GET from the page's own origin, with its cookies: status and body. */
const getFrom = (page: Page, path: string) =>
  page.evaluate(async (url) => {
    const reply = await fetch(url);
    return { status: reply.status, body: (await reply.json()) as { error?: string } & Record<string, unknown> };
  }, path);

beforeAll(async () => {
  if (missing) return;
  assertBuilt();
  server = await startServer({
    DATA_DIR: dir.path,
    HOLD_SECONDS: '60',
    DEMO: '1',
    SALON_NAME: 'Studio Holdfast',
    SALON_TZ: ZONE,
  });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await stopServer(server);
  dir.remove();
});

describe.skipIf(missing)('staff accounts in a real browser', () => {
  it('owner sets up and invites a stylist; the stylist sees their column only and blocks an afternoon; clients cannot book it', async () => {
    const base = (server as ServerProcess).base;

    // Before any account: the console says how to set the salon up.
    const owner = await newPage(DESKTOP);
    await owner.goto(`${base}/owner`);
    await owner.getByTestId('setup-needed').waitFor();

    // The owner creates their account from the setup link: signed in, the token gone from the bar.
    const link = await setupLink(dir.path, base);
    await createOwner(owner, link);
    expect(new URL(owner.url()).pathname).toBe('/owner');
    expect(new URL(owner.url()).search).toBe('');
    expect(await owner.getByTestId('signed-in-as').textContent()).toBe(`${OWNER.name} · owner`);
    expect(await owner.getByRole('tab').allTextContents()).toEqual([
      'Day',
      'Services',
      'Messages',
      'Schedule',
      'Time off',
      'Staff',
      'Account',
    ]);
    // Nothing about the session is readable by the page (HttpOnly cookie, nothing stored).
    expect(await owner.evaluate('[document.cookie, sessionStorage.length, localStorage.length]')).toEqual(['', 0, 0]);

    // The setup link works once.
    const again = await newPage(DESKTOP);
    await again.goto(link);
    await again.getByRole('heading', { name: 'Already set up' }).waitFor();
    await again.context().close();

    // The owner invites a stylist for Ben's column: the one-time link is shown with a copy button.
    await owner.getByRole('tab', { name: 'Staff' }).click();
    const invite = owner.getByRole('form', { name: 'Invite someone' });
    await invite.getByLabel('Name').fill(STYLIST.name);
    await invite.getByLabel('Email').fill(STYLIST.email);
    await invite.getByLabel('Role').selectOption('stylist');
    await invite.getByLabel('Stylist column').fill(COLUMN);
    await invite.getByRole('button', { name: 'Invite' }).click();
    const issued = owner.getByTestId('issued-link');
    await issued.waitFor();
    const inviteLink = await issued.inputValue();
    expect(new URL(inviteLink).pathname).toBe('/owner/invite');
    expect(await owner.getByTestId('issued').textContent()).toContain(`Send this link to ${STYLIST.name}`);
    await owner.getByRole('button', { name: 'Copy link' }).waitFor();
    const pending = owner.getByRole('list', { name: 'Pending invites' });
    await expect.poll(async () => pending.textContent()).toContain(STYLIST.email);

    // Opened in the owner's own browser, the link warns before it would sign the owner out.
    const peek = await owner.context().newPage();
    await peek.goto(inviteLink);
    const warning = peek.getByTestId('someone-signed-in');
    await warning.waitFor();
    expect(await warning.textContent()).toContain(`signs ${STYLIST.name} in here instead`);
    await peek.close();

    // The stylist, on their phone (in another zone), opens the invite and chooses a password.
    const ben = await newPage(PHONE, { timezoneId: 'Asia/Tokyo' });
    await ben.goto(inviteLink);
    await ben
      .getByRole('heading', { name: `Welcome, ${STYLIST.name} — you are joining as stylist (column ${COLUMN})` })
      .waitFor();
    await ben.getByLabel('Password', { exact: true }).fill(STYLIST.password);
    await ben.getByRole('button', { name: 'Set password' }).click();
    await consoleShown(ben);
    expect(new URL(ben.url()).pathname).toBe('/owner');
    expect(await ben.getByTestId('signed-in-as').textContent()).toBe(`${STYLIST.name} · stylist`);
    expect(await ben.getByRole('tab').allTextContents()).toEqual(['Day', 'Time off', 'Account']);
    // The invite is spent.
    expect((await getFrom(ben, `/api/auth/link?token=${new URL(inviteLink).searchParams.get('token')}`)).status).toBe(
      410,
    );

    // The owner's routes refuse the stylist; another stylist's column is refused too.
    const staff = await getFrom(ben, '/api/admin/staff');
    expect(staff).toMatchObject({ status: 403, body: { error: 'owner_only' } });
    const anna = await getFrom(ben, '/api/admin/timeslots?stylist=Anna');
    expect(anna).toMatchObject({ status: 403, body: { error: 'not_your_column' } });

    // The first day of Ben's schedule, and his slots in the afternoon to block.
    const mine = ((await getFrom(ben, '/api/admin/timeslots')).body as unknown as Slot[]).sort((x, y) =>
      x.start_time.localeCompare(y.start_time),
    );
    expect(mine.length).toBeGreaterThan(0);
    expect(new Set(mine.map((s) => s.stylist))).toEqual(new Set([COLUMN]));
    const dayOf = (iso: string) => new Intl.DateTimeFormat('en-CA', { timeZone: ZONE }).format(new Date(iso));
    const day = dayOf((mine[0] as Slot).start_time);
    const afternoon = mine.filter(
      (s) => dayOf(s.start_time) === day && wallClock(s.start_time) >= BLOCK.from && wallClock(s.start_time) < BLOCK.to,
    );
    expect(afternoon).toHaveLength(12); // 13:00–16:00 on a 15-minute grid
    expect(afternoon.every((s) => s.status === 'available')).toBe(true);

    // His Day board: his column, and nobody else's cards.
    await ben.getByLabel('Date').fill(day);
    await ben.locator(`.card[data-slot-id="${afternoon[0]?.id}"]`).waitFor();
    expect(await ben.locator('.column h3').allTextContents()).toEqual([COLUMN]);
    const cards = await ben.locator('.card').evaluateAll((els) => els.map((el) => el.getAttribute('data-slot-id')));
    expect(cards.length).toBeGreaterThan(afternoon.length);
    const ids = new Set(mine.map((s) => s.id));
    expect(cards.every((id) => id !== null && ids.has(id))).toBe(true);
    expect(await ben.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width);

    // A client's page on Ben's day, before: a Cut is offered in the afternoon.
    const client = await newPage(DESKTOP);
    await client.goto(base);
    await client.locator('.service[data-service-id="cut"]').click();
    await client.getByRole('button', { name: COLUMN, exact: true }).click();
    await client.locator(`[data-day="${day}"]`).click();
    await client.getByText('Times update live').waitFor();
    const options = async (): Promise<Option[]> =>
      (
        await client
          .locator('.slot[data-status="available"]')
          .evaluateAll((els) =>
            els.map((el) => [el.getAttribute('data-slot-id') ?? '', el.getAttribute('data-slot-ids') ?? '']),
          )
      ).map(([id, slots]) => ({ id: id ?? '', slots: (slots ?? '').split(' ') }));
    const blocked = new Set(afternoon.map((s) => s.id));
    const inAfternoon = (o: Option) => o.slots.some((id) => blocked.has(id));
    await expect.poll(async () => (await options()).filter(inAfternoon).length).toBeGreaterThan(5);

    // Ben blocks the afternoon from the Time off tab (salon times, though his phone is in Tokyo).
    await ben.getByRole('tab', { name: 'Time off' }).click();
    const form = ben.getByRole('form', { name: 'Time off' });
    expect(await form.getByLabel('Stylist').count()).toBe(0); // his own column, no choice
    await form.getByLabel('Date', { exact: true }).fill(day);
    await form.getByLabel('From', { exact: true }).fill(BLOCK.from);
    await form.getByLabel('To', { exact: true }).fill(BLOCK.to);
    await form.getByLabel(/^Reason/).fill(BLOCK.reason);
    await form.getByRole('button', { name: 'Block time off' }).click();
    const result = ben.getByTestId('timeoff-result');
    await expect.poll(async () => result.textContent()).toBe('Closed 12 slots.');
    await ben.screenshot({ path: screenshotPath('staff-stylist-time-off-phone'), fullPage: true });
    expect(await ben.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width);
    const after = (await getFrom(ben, `/api/admin/timeslots?date=${day}`)).body as unknown as Slot[];
    expect(after.filter((s) => blocked.has(s.id)).map((s) => s.status)).toEqual(Array(12).fill('closed'));
    expect(after.filter((s) => !blocked.has(s.id)).every((s) => s.status === 'available')).toBe(true);

    // The client's page, live: no start whose Cut would touch the afternoon; the morning stays.
    await expect.poll(async () => (await options()).filter(inAfternoon).length, { timeout: 3_000 }).toBe(0);
    expect((await options()).length).toBeGreaterThan(5);
    // Nor can a script hold a slot in it.
    const reserve = await client.evaluate(async (slotId) => {
      const reply = await fetch(`/api/timeslots/${slotId}/reserve`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({}),
      });
      return { status: reply.status, body: (await reply.json()) as { error?: string } };
    }, afternoon[4]?.id ?? '');
    expect(reserve).toMatchObject({ status: 409, body: { error: 'slot_closed' } });
    await client.screenshot({ path: screenshotPath('staff-client-afternoon-gone') });

    // The slot's history on Ben's board: closed by Ben, for the reason he gave.
    await ben.getByRole('tab', { name: 'Day' }).click();
    const closed = ben.locator(`.card[data-slot-id="${afternoon[0]?.id}"]`);
    await expect.poll(async () => closed.getAttribute('data-status')).toBe('closed');
    await closed.click();
    const history = ben.getByTestId('history');
    await expect.poll(async () => history.textContent()).toContain(`Closed by ${STYLIST.name} (${BLOCK.reason})`);
    // A stylist sees no salon messages (those are the owner's).
    expect(await ben.getByTestId('messages').count()).toBe(0);
    await ben.screenshot({ path: screenshotPath('staff-stylist-day-phone'), fullPage: true });

    // Reopening the last hour gives those starts back to the client, live.
    await ben.getByRole('tab', { name: 'Time off' }).click();
    await form.getByLabel('Date', { exact: true }).fill(day);
    await form.getByLabel('From', { exact: true }).fill('15:00');
    await form.getByLabel('To', { exact: true }).fill(BLOCK.to);
    await form.getByRole('button', { name: 'Reopen' }).click();
    await expect.poll(async () => result.textContent()).toBe('Reopened 4 slots.');
    const reopened = new Set(afternoon.slice(8).map((s) => s.id));
    await expect
      .poll(async () => (await options()).some((o) => o.slots.every((id) => reopened.has(id))), { timeout: 3_000 })
      .toBe(true);
    expect((await options()).some((o) => o.slots.some((id) => blocked.has(id) && !reopened.has(id)))).toBe(false);

    // The client books Ben's first Cut of the day; the owner then blocks that hour for Ben:
    // the free slots close, the booked ones stay open and are listed with their reference.
    const first = (await options())[0] ?? { id: '', slots: [] };
    await client.locator(`.slot[data-slot-id="${first.id}"]`).click();
    await client.getByRole('heading', { name: 'Held for you: Cut' }).waitFor();
    await client.getByLabel('Your name').fill('Cara Client');
    await client.getByLabel('Phone').fill('07700 900321');
    await client.getByRole('button', { name: 'Confirm booking' }).click();
    const reference = (await client.getByTestId('reference').textContent()) ?? '';
    expect(reference).toMatch(/^HF-/);
    const start = mine.find((s) => s.id === first.id)?.start_time ?? '';
    const hourLater = new Date(Date.parse(start) + 3_600_000).toISOString();
    await owner.getByRole('tab', { name: 'Time off' }).click();
    const ownerForm = owner.getByRole('form', { name: 'Time off' });
    expect(await ownerForm.getByLabel('Stylist').locator('option').allTextContents()).toEqual(
      expect.arrayContaining(['Anna', COLUMN, 'Chloé']),
    );
    await ownerForm.getByLabel('Stylist').selectOption(COLUMN);
    await ownerForm.getByLabel('Date', { exact: true }).fill(day);
    await ownerForm.getByLabel('From', { exact: true }).fill(wallClock(start));
    await ownerForm.getByLabel('To', { exact: true }).fill(wallClock(hourLater));
    await ownerForm.getByRole('button', { name: 'Block time off' }).click();
    await expect.poll(async () => owner.getByTestId('timeoff-result').textContent()).toBe('Closed 2 slots.');
    const bookedList = owner.getByTestId('timeoff-booked');
    expect(await bookedList.locator('li').count()).toBe(1);
    expect(await bookedList.textContent()).toContain(`${reference} (2 slots)`);
    expect(await owner.getByRole('status').filter({ hasText: 'Closed 2 slots.' }).textContent()).toContain(
      'Cancel or move that booking first',
    );

    // The owner sees Ben's account and his session, and signs that session out.
    await owner.getByRole('tab', { name: 'Account' }).click();
    await owner.getByRole('tab', { name: 'Staff' }).click();
    const accounts = owner.getByRole('list', { name: 'Staff accounts' });
    await expect.poll(async () => accounts.textContent()).toContain(`${STYLIST.email} · stylist · column ${COLUMN}`);
    expect(await owner.getByRole('list', { name: 'Pending invites' }).count()).toBe(0);
    const sessions = owner.getByRole('list', { name: 'Sessions' });
    await expect.poll(async () => sessions.locator('li').count()).toBe(2);
    expect(await sessions.locator('li[data-current="true"]').textContent()).toContain(OWNER.name);
    await expect
      .poll(async () => owner.getByTestId('staff-history').textContent())
      .toMatch(
        new RegExp(
          `Signed in · ${STYLIST.name}.*Account created · ${STYLIST.name}.*Invite issued · ${STYLIST.name} by ${OWNER.name}`,
          's',
        ),
      );
    await owner.screenshot({ path: screenshotPath('staff-owner-desktop'), fullPage: true });
    await owner.setViewportSize(PHONE);
    expect(await owner.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width);
    await owner.screenshot({ path: screenshotPath('staff-owner-phone'), fullPage: true });
    await owner
      .getByRole('button', { name: new RegExp(`^Sign out ${STYLIST.name} on `) })
      .first()
      .click();
    await expect.poll(async () => sessions.locator('li').count()).toBe(1);

    // Ben's console notices (its live socket is closed) and asks him to sign in again.
    await ben.getByRole('tab', { name: 'Day' }).click();
    await ben.getByRole('heading', { name: 'Sign in' }).waitFor({ timeout: 5_000 });
    await signIn(ben, STYLIST);
    expect(await ben.getByTestId('signed-in-as').textContent()).toBe(`${STYLIST.name} · stylist`);
    // The owner's console stays signed in, until the owner signs out.
    expect((await getFrom(owner, '/api/auth/me')).status).toBe(200);
    await owner.getByRole('button', { name: 'Sign out', exact: true }).click();
    await owner.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect((await getFrom(owner, '/api/auth/me')).status).toBe(401);
  }, 90_000);
});
