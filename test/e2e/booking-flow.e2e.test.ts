import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callerFrom, loopback } from '../support/addresses.js';
import { browserMissing, launchChromium, screenshotPath } from '../support/browser.js';
import { tempDir } from '../support/fixtures.js';
import { assertBuilt, type ServerProcess, startServer, stopServer } from '../support/server-process.js';

// Two clients and the owner in real Chromium against the real process: A's hold makes
// the slot vanish for B live; A books; B cannot get it; a hold that runs out comes back;
// reloading keeps a hold and the button releases it; the owner sees the booking and replays its history.

const HOLD_SECONDS = 6;
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 860 };
const missing = browserMissing();
const dir = tempDir('holdfast-e2e-');
let server: ServerProcess | undefined;
let browser: Browser | undefined;

const slotSelector = (id: string, status?: string) =>
  `.slot[data-slot-id="${id}"]${status === undefined ? '' : `[data-status="${status}"]`}`;

/**
 * Every page here is on one network (127.0.0.1), and holds are not renewable: a time this
 * network held and let go is refused to it for a cool-down. So each hold takes a time none
 * of these tests has held before.
 */
const heldHere: string[] = [];
const takeFirstFree = async (page: Page, beforeClick?: (id: string) => Promise<unknown>): Promise<string> => {
  const slot = page
    .locator(`.slot[data-status="available"]${heldHere.map((id) => `:not([data-slot-id="${id}"])`).join('')}`)
    .first();
  const id = (await slot.getAttribute('data-slot-id')) ?? '';
  heldHere.push(id);
  await beforeClick?.(id);
  await slot.click();
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
    await a.waitForSelector('.slot[data-status="available"]');
    await b.waitForSelector('.slot[data-status="available"]');
    await b.getByText('Times update live').waitFor();

    // Fits a small phone: nothing wider than 360 px (the day chips scroll inside their row).
    await a.setViewportSize({ width: 360, height: 740 });
    expect(await a.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(360);
    await a.setViewportSize(PHONE);

    // A takes the first free time.
    const id = await takeFirstFree(a, (free) => b.waitForSelector(slotSelector(free, 'available')));
    await a.getByRole('heading', { name: /Held for you/ }).waitFor();
    await expect.poll(async () => a.getByTestId('countdown').textContent()).toMatch(/^0:0[0-6]$/);

    // B sees it taken within a second or so, without reloading.
    const started = Date.now();
    await b.waitForSelector(slotSelector(id, 'unavailable'), { timeout: 3_000 });
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

    // B cannot get it: the button is disabled, and the API says taken.
    expect(await b.locator(slotSelector(id)).isDisabled()).toBe(true);
    const status = await b.evaluate(
      async (slotId) => (await fetch(`/api/timeslots/${slotId}/reserve`, { method: 'POST' })).status,
      id,
    );
    expect(status).toBe(409);
    await b.screenshot({ path: screenshotPath('booking-desktop') });

    // A holds another time and lets the countdown run out: it comes back to B.
    await a.getByRole('button', { name: 'Book another time' }).click();
    const id2 = await takeFirstFree(a);
    await b.waitForSelector(slotSelector(id2, 'unavailable'), { timeout: 3_000 });
    await a.getByText('Time ran out').waitFor({ timeout: (HOLD_SECONDS + 4) * 1_000 });
    await b.waitForSelector(slotSelector(id2, 'available'), { timeout: 5_000 });

    // Reloading the page keeps the hold: the page resumes it with its deadline. (Releasing it
    // on the way out would lock this client out of its own time: holds are not renewable.)
    const id3 = await takeFirstFree(a);
    await a.getByRole('heading', { name: /Held for you/ }).waitFor();
    await b.waitForSelector(slotSelector(id3, 'unavailable'), { timeout: 3_000 });
    await a.reload();
    await a.getByRole('heading', { name: /Held for you/ }).waitFor({ timeout: 5_000 });
    expect(await a.locator(slotSelector(id3)).getAttribute('data-status')).toBe('reserved');
    expect(await b.locator(slotSelector(id3)).getAttribute('data-status')).toBe('unavailable');

    // The release button gives it back at once.
    await a.getByRole('button', { name: 'Release this time' }).click();
    await a.getByText('Released.').waitFor();
    await b.waitForSelector(slotSelector(id3, 'available'), { timeout: 3_000 });

    // The manage link shows the booking.
    await a.goto(base);
    await a.waitForSelector(slotSelector(id, 'booked'));
    const manage = await a.evaluate(async (ref) => {
      const reply = await fetch(`/api/bookings/${ref}`);
      return reply.status;
    }, reference);
    expect(manage).toBe(200);

    // The owner signs in, sees the booking on the day board and replays its history.
    const owner = await newPage(DESKTOP);
    await owner.goto(`${base}/owner`);
    await owner.getByLabel('Owner token').fill(readFileSync(join(dir.path, 'owner-token'), 'utf8').trim());
    await owner.getByRole('button', { name: 'Sign in' }).click();
    const slotDate = await owner.evaluate(async (slotId) => {
      const salon = (await (await fetch('/api/salon')).json()) as { time_zone: string };
      const iso = `${slotId.slice(-14, -10)}-${slotId.slice(-10, -8)}-${slotId.slice(-8, -6)}T${slotId.slice(-5, -3)}:${slotId.slice(-3, -1)}:00Z`;
      return new Intl.DateTimeFormat('en-CA', { timeZone: salon.time_zone }).format(new Date(iso));
    }, id);
    await owner.getByLabel('Date').fill(slotDate);
    const card = owner.locator(`.card[data-slot-id="${id}"]`);
    await card.waitFor();
    await expect.poll(async () => card.textContent()).toContain('Alice Example');
    await card.click();
    const history = owner.getByTestId('history');
    await expect.poll(async () => history.textContent()).toMatch(/Opened.*Held.*Booked/s);
    const replay = owner.locator('#replay');
    await replay.fill((await replay.getAttribute('min')) ?? '0'); // back to the slot's opening
    await expect.poll(async () => owner.getByTestId('replay-state').textContent()).toMatch(/^At .*: available/);
    await owner.screenshot({ path: screenshotPath('owner-desktop'), fullPage: true });

    // Closing a slot from the console takes it off the clients' pages; reopening brings it back.
    const free = owner.locator('.card[data-status="available"]').first();
    const freeId = (await free.getAttribute('data-slot-id')) ?? '';
    await free.click();
    await owner.getByRole('button', { name: 'Close slot' }).click();
    await expect.poll(async () => owner.getByTestId('slot-status').textContent()).toBe('closed');
    await b.waitForSelector(slotSelector(freeId, 'unavailable'), { timeout: 3_000 });
    await owner.getByRole('button', { name: 'Reopen' }).click();
    await b.waitForSelector(slotSelector(freeId, 'available'), { timeout: 3_000 });

    // A schedule from the weekly template.
    await owner.getByRole('tab', { name: 'Schedule' }).click();
    await owner.getByLabel('Stylists (comma-separated)').fill('Dana');
    await owner.getByLabel('From').fill('2027-02-01');
    await owner.getByLabel('To (inclusive)').fill('2027-02-07');
    await owner.getByRole('button', { name: 'Open slots' }).click();
    await owner.getByText(/^Opened \d+ slots/).waitFor();
    await owner.setViewportSize(PHONE);
    await owner.getByRole('tab', { name: 'Day' }).click();
    await owner.screenshot({ path: screenshotPath('owner-phone') });

    // The server dies and comes back on the same port: the page reconnects and resyncs.
    const port = new URL(base).port;
    await stopServer(server);
    await b.getByText('Reconnecting to live updates').waitFor({ timeout: 5_000 });
    server = await startServer({ DATA_DIR: dir.path, PORT: port, HOLD_SECONDS: String(HOLD_SECONDS) });
    await b.getByText('Times update live').waitFor({ timeout: 15_000 });
    expect(await b.locator(slotSelector(id)).getAttribute('data-status')).toBe('unavailable');
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
    await b.waitForSelector('.slot[data-status="available"]');
    await a.waitForSelector('.slot[data-status="available"]');
    const id = await takeFirstFree(a);
    await a.getByRole('heading', { name: /Held for you/ }).waitFor();
    await b.waitForSelector(slotSelector(id, 'available')); // stale: B still thinks it is free
    await b.locator(slotSelector(id)).click();
    await b.getByText('someone else just took that time').waitFor();
    await b.waitForSelector(slotSelector(id, 'unavailable'), { timeout: 3_000 }); // refreshed
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
    await a.waitForSelector('.slot[data-status="available"]');
    // The day shown first, and the stylist with the most free times on it.
    const free = (
      await a
        .locator('.slot[data-status="available"]')
        .evaluateAll((els) => els.map((el) => el.getAttribute('data-slot-id') ?? ''))
    ).filter((id) => !heldHere.includes(id));
    const byStylist = new Map<string, string[]>();
    for (const id of free) {
      const stylist = id.replace(/-\d{8}T\d{4}Z$/, '');
      byStylist.set(stylist, [...(byStylist.get(stylist) ?? []), id]);
    }
    const day = [...byStylist.values()].sort((x, y) => y.length - x.length)[0] ?? [];
    expect(day.length).toBeGreaterThanOrEqual(5);
    // Other clients (each its own session and network) hold times until the day is over
    // 30% held: the next hold asks for a proof of work, and a script that does not solve it
    // is refused, with the challenge to solve.
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
    await a.waitForSelector(slotSelector(heldByOthers.at(-1) ?? '', 'unavailable'));
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
    const again = await takeFirstFree(a);
    await a.getByRole('heading', { name: /Held for you/ }).waitFor({ timeout: 20_000 });
    await a.getByRole('button', { name: 'Release this time' }).click();
    await a.waitForSelector(slotSelector(again, 'available'));
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
    const released = c.getByText('Released. That time is free for others again.');
    const heldHeading = c.getByRole('heading', { name: /Held for you/ });
    const holdFirstFree = async (): Promise<string> => {
      const id = await takeFirstFree(c);
      await heldHeading.waitFor();
      return id;
    };
    const expectReleased = async (id: string): Promise<void> => {
      await c.waitForSelector(slotSelector(id, 'available'), { timeout: 3_000 });
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
      await c.waitForSelector(slotSelector(second, 'available'), { timeout: 3_000 });
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
    await c.waitForSelector(slotSelector(third, 'unavailable'), { timeout: 3_000 });
    expect(await heldHeading.count()).toBe(0);
  }, 60_000);
});
