import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callerFrom, loopback } from '../support/addresses.js';
import { browserMissing, launchChromium, screenshotPath } from '../support/browser.js';
import { tempDir } from '../support/fixtures.js';
import { assertBuilt, type ServerProcess, startServer, stopServer } from '../support/server-process.js';
import { createOwner, OWNER, setupLink } from './console.js';

// Two clients and the owner in real Chromium against the real process, both clients
// booking a Cut (two 15-minute slots): A's hold makes that start time (and every start
// whose appointment would overlap it) vanish for B live; A books; B cannot get it; a hold
// that runs out comes back; reloading keeps a hold and the button releases it; the owner
// sees the booking as one block, replays its history, and keeps the menu.

const HOLD_SECONDS = 6;
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 860 };
const missing = browserMissing();
const dir = tempDir('holdfast-e2e-');
let server: ServerProcess | undefined;
let browser: Browser | undefined;

/** A start time on the page (a start option: `id` is its first slot). */
const slotSelector = (id: string) => `.slot[data-slot-id="${id}"]`;
/** Waits until the page lists that start time (`shown`) or no longer does. */
const listed = (page: Page, id: string, shown: boolean, timeout = 3_000) =>
  page.waitForSelector(slotSelector(id), { state: shown ? 'visible' : 'detached', timeout });

/** Picks a service on the booking page and waits for its start times. */
const chooseService = async (page: Page, service = 'cut'): Promise<void> => {
  await page.locator(`.service[data-service-id="${service}"]`).click();
  await page.waitForSelector('.slot[data-status="available"]');
};

/**
 * Every page here is on one network (127.0.0.1), and holds are not renewable: a time this
 * network held and let go is refused to it for a cool-down. So each hold takes a time none
 * of whose slots these tests have held before.
 */
const heldHere: string[] = [];
const takeFirstFree = async (page: Page, beforeClick?: (id: string) => Promise<unknown>): Promise<string> => {
  const options = await page
    .locator('.slot[data-status="available"]')
    .evaluateAll((els) =>
      els.map((el) => [el.getAttribute('data-slot-id') ?? '', el.getAttribute('data-slot-ids') ?? ''] as const),
    );
  const [id, slots] = options.find(([, ids]) => ids.split(' ').every((slot: string) => !heldHere.includes(slot))) ?? [
    '',
    '',
  ];
  heldHere.push(...slots.split(' '));
  await beforeClick?.(id);
  await page.locator(slotSelector(id)).click();
  return id;
};

const newPage = async (viewport: { width: number; height: number }): Promise<Page> => {
  const context = await (browser as Browser).newContext({ viewport, deviceScaleFactor: 1 });
  const page = await context.newPage();
  page.on('pageerror', (error) => {
    throw error;
  });
  return page;
};

beforeAll(async () => {
  if (missing) return;
  assertBuilt();
  server = await startServer({
    DATA_DIR: dir.path,
    HOLD_SECONDS: String(HOLD_SECONDS),
    CANCEL_CUTOFF_HOURS: '0',
    DEMO: '1',
    SALON_NAME: 'Studio Holdfast',
  });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await stopServer(server);
  dir.remove();
});

describe.skipIf(missing)('booking in a real browser', () => {
  it('A holds → B sees it go live → A books → B cannot take it; expiry and release give slots back, a reload keeps a hold; the owner audits', async () => {
    const base = (server as ServerProcess).base;
    const a = await newPage(PHONE);
    const b = await newPage(DESKTOP);
    await Promise.all([a.goto(base), b.goto(base)]);
    await Promise.all([chooseService(a), chooseService(b)]);
    await b.getByText('Times update live').waitFor();

    // Fits a small phone: nothing wider than 360 px (the day chips scroll inside their row).
    await a.setViewportSize({ width: 360, height: 740 });
    expect(await a.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(360);
    await a.setViewportSize(PHONE);

    // A takes the first free time.
    const id = await takeFirstFree(a, (free) => listed(b, free, true));
    await a.getByRole('heading', { name: 'Held for you: Cut' }).waitFor();
    expect(await a.getByTestId('hold-service').textContent()).toBe('Cut · 30 min');
    await expect.poll(async () => a.getByTestId('countdown').textContent()).toMatch(/^0:0[0-6]$/);

    // B no longer sees that start time within a second or so, without reloading.
    const started = Date.now();
    await listed(b, id, false);
    expect(Date.now() - started).toBeLessThan(3_000);
    await a.screenshot({ path: screenshotPath('booking-phone-hold') });

    // A books.
    await a.getByLabel('Your name').fill('Alice Example');
    await a.getByLabel('Phone').fill('07700 900123');
    await a.getByRole('button', { name: 'Confirm booking' }).click();
    const reference = (await a.getByTestId('reference').textContent()) ?? '';
    expect(reference).toMatch(/^HF-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    await a.screenshot({ path: screenshotPath('booking-phone-confirmed') });
    const ics = await a.getByRole('link', { name: 'Add to calendar' }).getAttribute('href');
    const invite = await a.evaluate(async (href) => (await fetch(href ?? '')).text(), ics);
    expect(invite).toContain(`UID:${reference}@holdfast`);

    expect(await a.getByTestId('booking-service').textContent()).toBe('Cut · 30 min');

    // B cannot get it: it is not offered, and the API says taken.
    expect(await b.locator(slotSelector(id)).count()).toBe(0);
    const status = await b.evaluate(
      async (slotId) =>
        (
          await fetch(`/api/timeslots/${slotId}/reserve`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ service: 'cut' }),
          })
        ).status,
      id,
    );
    expect(status).toBe(409);
    await b.screenshot({ path: screenshotPath('booking-desktop') });

    // A holds another time and lets the countdown run out: it comes back to B.
    await a.getByRole('button', { name: 'Book another time' }).click();
    await chooseService(a);
    const id2 = await takeFirstFree(a);
    await listed(b, id2, false);
    await a.getByText('Time ran out').waitFor({ timeout: (HOLD_SECONDS + 4) * 1_000 });
    await listed(b, id2, true, 5_000);

    // Reloading the page keeps the hold: the page resumes it with its deadline. (Releasing it
    // on the way out would lock this client out of its own time: holds are not renewable.)
    const id3 = await takeFirstFree(a);
    await a.getByRole('heading', { name: /Held for you/ }).waitFor();
    const when = await a.getByTestId('hold-when').textContent();
    await listed(b, id3, false);
    await a.reload();
    await a.getByRole('heading', { name: 'Held for you: Cut' }).waitFor({ timeout: 5_000 });
    expect(await a.getByTestId('hold-when').textContent()).toBe(when);
    expect(await b.locator(slotSelector(id3)).count()).toBe(0);

    // The release button gives it back at once.
    await a.getByRole('button', { name: 'Release this time' }).click();
    await a.getByText('Released.').waitFor();
    await listed(b, id3, true);

    // The booking is this session's.
    const manage = await a.evaluate(async (ref) => {
      const reply = await fetch(`/api/bookings/${ref}`);
      return reply.status;
    }, reference);
    expect(manage).toBe(200);

    // The owner creates their account from the setup link, sees the booking on the day
    // board and replays its history.
    const owner = await newPage(DESKTOP);
    await createOwner(owner, await setupLink(dir.path, base));
    expect(new URL(owner.url()).pathname).toBe('/owner');
    expect(await owner.getByTestId('signed-in-as').textContent()).toBe(`${OWNER.name} · owner`);
    const slotDate = await owner.evaluate(async (slotId) => {
      const salon = (await (await fetch('/api/salon')).json()) as { time_zone: string };
      const iso = `${slotId.slice(-14, -10)}-${slotId.slice(-10, -8)}-${slotId.slice(-8, -6)}T${slotId.slice(-5, -3)}:${slotId.slice(-3, -1)}:00Z`;
      return new Intl.DateTimeFormat('en-CA', { timeZone: salon.time_zone }).format(new Date(iso));
    }, id);
    await owner.getByLabel('Date').fill(slotDate);
    const card = owner.locator(`.card[data-slot-id="${id}"]`);
    await card.waitFor();
    await expect.poll(async () => card.textContent()).toContain('Alice Example');
    // One block for the whole appointment: the service and both of its slots.
    expect(await card.textContent()).toContain('Cut · 2 slots');
    expect((await card.getAttribute('data-slot-ids'))?.split(' ')).toHaveLength(2);
    await card.click();
    const history = owner.getByTestId('history');
    await expect.poll(async () => history.textContent()).toMatch(/Opened.*Held.*Booked/s);
    // Each event names its appointment: the hold, then the booking.
    expect(await history.textContent()).toContain(`booking ${reference}`);
    expect(await history.locator('[data-appointment]').count()).toBe(2);
    // What became of the messages the booking is owed: no mail transport here, so skipped, and said.
    const messages = owner.getByTestId('messages');
    await expect.poll(async () => messages.textContent()).toMatch(/Confirmation · sms to .*skipped/);
    expect(await messages.textContent()).toContain('no transport configured');
    expect(await messages.getByRole('button', { name: 'Send again' }).count()).toBeGreaterThan(0);
    const replay = owner.locator('#replay');
    await replay.fill((await replay.getAttribute('min')) ?? '0'); // back to the slot's opening
    await expect.poll(async () => owner.getByTestId('replay-state').textContent()).toMatch(/^At .*: available/);
    await owner.screenshot({ path: screenshotPath('owner-desktop'), fullPage: true });

    // Closing a slot from the console takes its start times off the clients' pages;
    // reopening brings them back.
    const freeId = (await b.locator('.slot[data-status="available"]').last().getAttribute('data-slot-id')) ?? '';
    await owner.locator(`.card[data-slot-id="${freeId}"]`).click();
    await owner.getByRole('button', { name: 'Close slot' }).click();
    await expect.poll(async () => owner.getByTestId('slot-status').textContent()).toBe('closed');
    await listed(b, freeId, false);
    await owner.getByRole('button', { name: 'Reopen' }).click();
    await listed(b, freeId, true);

    // The menu: define a service, change it, retire it (it stays listed, as retired).
    await owner.getByRole('tab', { name: 'Services' }).click();
    const menu = owner.getByRole('list', { name: 'Every service' });
    await menu.getByText('Colour').waitFor();
    const form = owner.getByRole('form', { name: 'New service' });
    await form.getByLabel('Name').fill('Fringe trim');
    await form.getByLabel('Duration (minutes)').fill('15');
    await form.getByLabel(/^Price/).fill('£10');
    await form.getByLabel('Every stylist (new ones too)').uncheck();
    await form.getByLabel('Anna').check();
    await form.getByRole('button', { name: 'Add service' }).click();
    const fringe = owner.locator('.menu li[data-service-id="fringe-trim"]');
    await expect.poll(async () => fringe.locator('.sub').textContent()).toBe('15 min · £10 · Anna');
    await owner.getByRole('button', { name: 'Change Fringe trim' }).click();
    await fringe.getByLabel(/^Price/).fill('£12');
    await fringe.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(async () => fringe.locator('.sub').textContent()).toBe('15 min · £12 · Anna');
    await form.getByLabel('Name').fill('fringe TRIM');
    await form.getByRole('button', { name: 'Add service' }).click();
    await owner.getByText('There is already a service called “fringe TRIM”.').waitFor();
    await owner.screenshot({ path: screenshotPath('owner-services-desktop'), fullPage: true });
    owner.once('dialog', (dialog) => void dialog.accept());
    await owner.getByRole('button', { name: 'Retire Fringe trim' }).click();
    await expect.poll(async () => fringe.getAttribute('data-active')).toBe('false');
    expect(await fringe.textContent()).toContain('retired');

    // A schedule from the weekly template.
    await owner.getByRole('tab', { name: 'Schedule' }).click();
    await owner.getByLabel('Stylists (comma-separated)').fill('Dana');
    await owner.getByLabel('From').fill('2027-02-01');
    await owner.getByLabel('To (inclusive)').fill('2027-02-07');
    await owner.getByRole('button', { name: 'Open slots' }).click();
    await owner.getByText(/^Opened \d+ slots/).waitFor();
    await owner.setViewportSize(PHONE);
    await owner.getByRole('tab', { name: 'Services' }).click();
    await owner.screenshot({ path: screenshotPath('owner-services-phone'), fullPage: true });
    expect(await owner.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width);
    await owner.getByRole('tab', { name: 'Day' }).click();
    await owner.locator(`.card[data-slot-id="${id}"]`).waitFor();
    await owner.screenshot({ path: screenshotPath('owner-phone') });

    // The server dies and comes back on the same port: the page reconnects and resyncs.
    const port = new URL(base).port;
    await stopServer(server);
    await b.getByText('Reconnecting to live updates').waitFor({ timeout: 5_000 });
    server = await startServer({ DATA_DIR: dir.path, PORT: port, HOLD_SECONDS: String(HOLD_SECONDS) });
    await b.getByText('Times update live').waitFor({ timeout: 15_000 });
    await listed(b, freeId, true);
    expect(await b.locator(slotSelector(id)).count()).toBe(0);
  }, 90_000);

  it('a slot taken while the page did not know yet: a friendly 409 message and a refreshed list', async () => {
    const base = (server as ServerProcess).base;
    const a = await newPage(PHONE);
    const b = await newPage(DESKTOP);
    // B's live stream delivers the first snapshot and nothing after: B's page goes stale.
    await b.routeWebSocket(/\/api\/live/, (ws) => {
      const upstream = ws.connectToServer();
      let delivered = false;
      upstream.onMessage((message) => {
        if (!delivered) ws.send(message);
        delivered = true;
      });
    });
    await Promise.all([a.goto(base), b.goto(base)]);
    await Promise.all([chooseService(a), chooseService(b)]);
    const id = await takeFirstFree(a);
    await a.getByRole('heading', { name: /Held for you/ }).waitFor();
    await listed(b, id, true); // stale: B still thinks it is free
    await b.locator(slotSelector(id)).click();
    await b.getByText('someone else just took that time').waitFor();
    await listed(b, id, false); // refreshed
    expect(await b.getByRole('heading', { name: /Held for you/ }).count()).toBe(0);
  }, 60_000);

  it('when much of a day is held, the page solves the proof of work and books; a released time is not renewable', async () => {
    const base = (server as ServerProcess).base;
    const a = await newPage(PHONE);
    const reserves: number[] = [];
    a.on('response', (response) => {
      if (response.url().endsWith('/reserve')) reserves.push(response.status());
    });
    await a.goto(base);
    await chooseService(a);
    // The day shown first, and the stylist with the most free start times on it (none of
    // whose slots this network held before).
    const free = (
      await a
        .locator('.slot[data-status="available"]')
        .evaluateAll((els) =>
          els.map((el) => [el.getAttribute('data-slot-id') ?? '', el.getAttribute('data-slot-ids') ?? '']),
        )
    )
      .filter(([, ids]) => (ids ?? '').split(' ').every((slot: string) => !heldHere.includes(slot)))
      .map(([id]) => id ?? '');
    const byStylist = new Map<string, string[]>();
    for (const id of free) {
      const stylist = id.replace(/-\d{8}T\d{4}Z$/, '');
      byStylist.set(stylist, [...(byStylist.get(stylist) ?? []), id]);
    }
    const day = [...byStylist.values()].sort((x, y) => y.length - x.length)[0] ?? [];
    expect(day.length).toBeGreaterThanOrEqual(5);
    // Other clients (each its own session and network) hold slots until the day is over
    // 30% held: the next hold asks for a proof of work, and a script that does not solve it
    // is refused, with the challenge to solve. (Consecutive starts: the target's Cut needs
    // the slot after it, which nobody took.)
    let target = '';
    for (const [i, id] of day.entries()) {
      heldHere.push(id);
      const other = callerFrom(loopback(900 + i));
      const held = await other.call('POST', `${base}/api/timeslots/${id}/reserve`);
      await other.close();
      if (held.status === 200) continue;
      expect(held.status).toBe(428);
      expect(held.body).toMatchObject({ error: 'challenge_required', challenge: { parameters: {} } });
      target = id;
      break;
    }
    expect(target).not.toBe('');
    const heldByOthers = day.slice(0, day.indexOf(target));
    expect(heldByOthers.length).toBeGreaterThanOrEqual(Math.floor(day.length * 0.3));
    await listed(a, heldByOthers.at(-1) ?? '', false);
    // The page solves it in its workers and holds the time.
    await a.locator(slotSelector(target)).click();
    await a.getByRole('heading', { name: /Held for you/ }).waitFor({ timeout: 20_000 });
    expect(reserves).toEqual([428, 200]);
    await a.getByLabel('Your name').fill('Pat Pressure');
    await a.getByLabel('Phone').fill('07700 900456');
    await a.getByRole('button', { name: 'Confirm booking' }).click();
    expect(await a.getByTestId('reference').textContent()).toMatch(/^HF-/);

    // A time this page held and released cannot be taken straight back: it says so.
    await a.getByRole('button', { name: 'Book another time' }).click();
    await chooseService(a);
    const again = await takeFirstFree(a);
    await a.getByRole('heading', { name: /Held for you/ }).waitFor({ timeout: 20_000 });
    await a.getByRole('button', { name: 'Release this time' }).click();
    await listed(a, again, true);
    await a.locator(slotSelector(again)).click();
    await a.getByText('holds cannot be renewed').waitFor({ timeout: 5_000 });
    expect(await a.getByRole('heading', { name: /Held for you/ }).count()).toBe(0);
  }, 60_000);

  it('releasing says "Released." and the hold stays gone, whichever lands first: the reply or the live update', async () => {
    const base = (server as ServerProcess).base;
    const c = await newPage(PHONE);
    // The live stream can be held back, so the cancel reply lands before the update.
    let paused = false;
    const held: Array<() => void> = [];
    await c.routeWebSocket(/\/api\/live/, (ws) => {
      const upstream = ws.connectToServer();
      upstream.onMessage((message) => {
        if (paused) held.push(() => ws.send(message));
        else ws.send(message);
      });
    });
    await c.goto(base);
    await chooseService(c);
    const released = c.getByText('Released. That time is free for others again.');
    const heldHeading = c.getByRole('heading', { name: /Held for you/ });
    const holdFirstFree = async (): Promise<string> => {
      const id = await takeFirstFree(c);
      await heldHeading.waitFor();
      return id;
    };
    const expectReleased = async (id: string): Promise<void> => {
      await listed(c, id, true);
      await released.waitFor({ timeout: 3_000 });
      expect(await heldHeading.count()).toBe(0);
      expect(await c.getByText(/closed that time|Time ran out/).count()).toBe(0);
    };

    // The reply first, the live update after it.
    const first = await holdFirstFree();
    paused = true;
    await c.getByRole('button', { name: 'Release this time' }).click();
    await released.waitFor({ timeout: 3_000 });
    paused = false;
    for (const send of held.splice(0)) send();
    await expectReleased(first);

    // The live update first, the reply after it.
    const second = await holdFirstFree();
    await c.route(/\/cancel$/, async (route) => {
      const response = await route.fetch();
      await listed(c, second, true);
      await route.fulfill({ response });
    });
    await c.getByRole('button', { name: 'Release this time' }).click();
    await expectReleased(second);
    await c.unroute(/\/cancel$/);

    // The hold already ended (the salon closed the time) and the page did not hear yet: it says so.
    const third = await holdFirstFree();
    paused = true;
    const token = readFileSync(join(dir.path, 'owner-token'), 'utf8').trim();
    const closed = await fetch(`${base}/api/admin/timeslots/${third}/close`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(closed.status).toBe(200);
    await c.getByRole('button', { name: 'Release this time' }).click();
    await c.getByText('That hold had already ended').waitFor({ timeout: 3_000 });
    expect(await heldHeading.count()).toBe(0);
    paused = false;
    for (const send of held.splice(0)) send();
    await expect.poll(async () => c.locator('.slot[data-status="available"]').count()).toBeGreaterThan(0);
    expect(await c.locator(slotSelector(third)).count()).toBe(0);
    expect(await heldHeading.count()).toBe(0);
  }, 60_000);
});
