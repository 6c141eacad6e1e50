import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callerFrom, loopback } from '../support/addresses.js';
import { browserMissing, launchChromium, screenshotPath } from '../support/browser.js';
import { tempDir } from '../support/fixtures.js';
import { assertBuilt, type ServerProcess, startServer, stopServer } from '../support/server-process.js';
import { createOwner, setupLink } from './console.js';

// Appointments longer than a slot, in real Chromium against the real process: a phone
// client books a 90-minute Colour (six 15-minute slots) while another client's page, on
// the same stylist and day, sees every start time that would overlap it vanish live; then
// the booking is moved from its manage page ("Change time"), the old times coming back
// and the new ones going, and the owner sees the moved appointment as one block.

const HOLD_SECONDS = 20;
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 860 };
const STYLIST = 'Chloé';
const missing = browserMissing();
const dir = tempDir('holdfast-e2e-appointments-');
let server: ServerProcess | undefined;
let browser: Browser | undefined;

type Option = { id: string; slots: string[] };

/** The start times a page lists, in order. */
const optionsOn = async (page: Page): Promise<Option[]> =>
  (
    await page
      .locator('.slot[data-status="available"]')
      .evaluateAll((els) =>
        els.map((el) => [el.getAttribute('data-slot-id') ?? '', el.getAttribute('data-slot-ids') ?? '']),
      )
  ).map(([id, slots]) => ({ id: id ?? '', slots: (slots ?? '').split(' ') }));

/** The booking's .ics, from its manage link (the same token). */
const calendarHref = (manage: string): string => {
  const { pathname, search } = new URL(manage);
  return `/api/bookings/${pathname.split('/').pop() ?? ''}/calendar.ics${search}`;
};
const overlaps = (a: Option, b: Option): boolean => a.slots.some((slot) => b.slots.includes(slot));
const slotSelector = (id: string) => `.slot[data-slot-id="${id}"]`;

/** Colour with Chloé on the second day the page offers (the first is the one other tests use). */
const showColourWithChloe = async (page: Page): Promise<string> => {
  await page.locator('.service[data-service-id="colour"]').click();
  await page.getByRole('button', { name: STYLIST, exact: true }).click();
  const day = (await page.locator('[data-day]').nth(1).getAttribute('data-day')) ?? '';
  await page.locator(`[data-day="${day}"]`).click();
  await page.getByRole('heading', { name: /^Start times on/ }).waitFor();
  await page.waitForSelector('.slot[data-status="available"]');
  return day;
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

describe.skipIf(missing)('appointments of several slots in a real browser', () => {
  let manageUrl = '';
  let reference = '';
  let booked: Option = { id: '', slots: [] };
  let watcher: Page | undefined;

  it('a phone books a 90-minute Colour; another page on the same stylist and day sees its start times vanish live', async () => {
    const base = (server as ServerProcess).base;
    const phone = await newPage(PHONE);
    const other = await newPage(DESKTOP);
    watcher = other;
    await Promise.all([phone.goto(base), other.goto(base)]);
    const [day, otherDay] = await Promise.all([showColourWithChloe(phone), showColourWithChloe(other)]);
    expect(otherDay).toBe(day);
    await other.getByText('Times update live').waitFor();
    expect(await phone.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width);
    await phone.screenshot({ path: screenshotPath('appointment-phone-times') });

    // Every option is a run of six 15-minute slots of Chloé's.
    const before = await optionsOn(other);
    expect(before.length).toBeGreaterThan(12);
    expect(before.every((o) => o.slots.length === 6 && o.id.startsWith('chlo'))).toBe(true);

    // The phone picks a start well inside the day: the starts up to 75 minutes either side
    // of it overlap its appointment, those further away do not.
    const pick = before[8] as Option;
    const gone = before.filter((o) => overlaps(o, pick));
    const kept = before.filter((o) => !overlaps(o, pick));
    expect(gone.map((o) => o.id)).toEqual(before.slice(3, 14).map((o) => o.id));
    await phone.locator(slotSelector(pick.id)).click();
    await phone.getByRole('heading', { name: 'Held for you: Colour' }).waitFor();
    expect(await phone.getByTestId('hold-service').textContent()).toBe('Colour · 1 h 30 min');
    expect(await phone.getByTestId('hold-when').textContent()).toMatch(/\d{2}:\d{2}–\d{2}:\d{2}$/);
    await phone.screenshot({ path: screenshotPath('appointment-phone-hold') });

    // The other page, without a reload: every overlapping start goes, the rest stay.
    const started = Date.now();
    await expect
      .poll(async () => (await optionsOn(other)).map((o) => o.id), { timeout: 3_000 })
      .toEqual(kept.map((o) => o.id));
    expect(Date.now() - started).toBeLessThan(3_000);
    for (const o of gone) expect(await other.locator(slotSelector(o.id)).count()).toBe(0);
    await other.screenshot({ path: screenshotPath('appointment-desktop-vanished') });

    // The phone books it: the confirmation shows the whole appointment.
    await phone.getByLabel('Your name').fill('Carla Colour');
    await phone.getByLabel('Phone').fill('07700 900789');
    await phone.getByRole('button', { name: 'Confirm booking' }).click();
    reference = (await phone.getByTestId('reference').textContent()) ?? '';
    expect(reference).toMatch(/^HF-/);
    expect(await phone.getByTestId('booking-service').textContent()).toBe('Colour · 1 h 30 min');
    expect(await phone.getByTestId('booking-when').textContent()).toMatch(/\d{2}:\d{2}–\d{2}:\d{2}$/);
    await phone.screenshot({ path: screenshotPath('appointment-phone-confirmed'), fullPage: true });
    manageUrl = (await phone.getByRole('link', { name: 'View, change or cancel' }).getAttribute('href')) ?? '';
    booked = pick;

    // Still gone for the other page once booked; the API agrees on every slot.
    expect((await optionsOn(other)).map((o) => o.id)).toEqual(kept.map((o) => o.id));
    const api = await other.evaluate(async (ref) => (await fetch(`/api/bookings/${ref}`)).status, reference);
    expect(api).toBe(404); // not the other client's booking
    await phone.context().close();
  }, 60_000);

  it('"Change time" on the manage page moves the booking: a time just taken is refused in plain words, the old times come back', async () => {
    const base = (server as ServerProcess).base;
    expect(manageUrl).toContain('/manage/');
    const other = watcher as Page;
    // Another device: the manage link alone (its token) is enough.
    const phone = await newPage(PHONE);
    await phone.goto(manageUrl);
    await phone.getByRole('heading', { name: `Booking ${reference}` }).waitFor();
    expect(await phone.getByTestId('booking-service').textContent()).toBe('Colour · 1 h 30 min');
    const oldWhen = (await phone.getByTestId('booking-when').textContent()) ?? '';

    await phone.getByRole('button', { name: 'Change time' }).click();
    await phone.getByRole('heading', { name: 'Change time' }).waitFor();
    // The same stylist and the booking's day are shown first (the other page's day).
    expect(await phone.getByRole('button', { name: STYLIST, exact: true }).getAttribute('aria-pressed')).toBe('true');
    const day = (await other.locator('[data-day][aria-pressed="true"]').getAttribute('data-day')) ?? '';
    expect(await phone.locator(`[data-day="${day}"]`).getAttribute('aria-pressed')).toBe('true');
    await phone.waitForSelector('.slot[data-status="available"]');
    const offered = await optionsOn(phone);
    expect(offered.some((o) => overlaps(o, booked))).toBe(false);
    await phone.screenshot({ path: screenshotPath('appointment-phone-change'), fullPage: true });

    // A later start, clear of the booking. Someone else holds it just before the client
    // confirms: the move is refused, the booking is unchanged.
    const later = offered.filter((o) => o.id > booked.id);
    const taken = later[4] as Option;
    await phone.locator(slotSelector(taken.id)).click();
    await phone.getByText(/^Move to .* with Chloé\?$/).waitFor();
    const rival = callerFrom(loopback(960));
    // One slot is enough to spoil the move (a 90-minute hold of it would now be priced in
    // proof of work: with the booking, more than 30% of Chloé's day).
    const rivalHold = await rival.call('POST', `${base}/api/timeslots/${taken.id}/reserve`, {});
    await rival.close();
    expect(rivalHold.status).toBe(200);
    await phone.getByRole('button', { name: 'Yes, move it' }).click();
    await phone.getByText('Sorry — that time was just taken. Your booking is unchanged').waitFor();
    await phone.waitForSelector(slotSelector(taken.id), { state: 'detached', timeout: 3_000 });

    // Another start, clear of both: moved, same reference, the new time shown.
    const target = (await optionsOn(phone)).find(
      (o) => o.id > booked.id && !overlaps(o, booked) && !overlaps(o, taken),
    ) as Option;
    await phone.locator(slotSelector(target.id)).click();
    await phone.getByRole('button', { name: 'Yes, move it' }).click();
    await phone.getByTestId('moved').waitFor();
    expect(await phone.getByTestId('moved').textContent()).toContain('The reference stays the same');
    await phone.getByRole('heading', { name: `Booking ${reference}` }).waitFor();
    const newWhen = (await phone.getByTestId('booking-when').textContent()) ?? '';
    expect(newWhen).not.toBe(oldWhen);
    await phone.screenshot({ path: screenshotPath('appointment-phone-moved'), fullPage: true });
    const moved = await phone.evaluate(async (url) => {
      const { pathname, search } = new URL(url);
      const ref = pathname.split('/').pop() ?? '';
      return (await (await fetch(`/api/bookings/${ref}${search}`)).json()) as {
        booking: { reference: string; slot_id: string; slot_ids: string[]; service: string };
      };
    }, manageUrl);
    expect(moved.booking).toMatchObject({ reference, slot_id: target.id, slot_ids: target.slots, service: 'colour' });

    // The calendar invite replaces the old one: the same UID, a new SEQUENCE.
    const invite = await phone.evaluate(async (href) => (await fetch(href ?? '')).text(), calendarHref(manageUrl));
    expect(invite).toContain(`UID:${reference}@holdfast`);
    expect(invite).toMatch(/SEQUENCE:[1-9]/);

    // The other page, live: the old start times are back, the new ones gone.
    await other.waitForSelector(slotSelector(booked.id), { timeout: 3_000 });
    await other.waitForSelector(slotSelector(target.id), { state: 'detached', timeout: 3_000 });

    // The owner's day board: the moved appointment is one block of six slots with the customer.
    const owner = await newPage(DESKTOP);
    await createOwner(owner, await setupLink(dir.path, base));
    await owner.getByLabel('Date').fill(day);
    const block = owner.locator(`.card[data-slot-id="${target.id}"]`);
    await expect.poll(async () => block.textContent()).toContain('Carla Colour');
    expect(await block.textContent()).toContain('Colour · 6 slots');
    expect((await block.getAttribute('data-slot-ids'))?.split(' ')).toEqual(target.slots);
    await block.click();
    await owner.getByTestId('appointment').waitFor();
    await expect
      .poll(async () => owner.getByTestId('history').textContent())
      .toMatch(new RegExp(`Booking moved here.*booking ${reference}`, 's'));
    // The old first slot's history: booked there, then moved away, under the same reference.
    await owner.locator(`.card[data-slot-id="${booked.id}"]`).click();
    await expect
      .poll(async () => owner.getByTestId('history').textContent())
      .toMatch(new RegExp(`Booked.*booking ${reference}.*Booking moved away.*booking ${reference}`, 's'));
    // The old slots are free again, each its own card.
    expect(await owner.locator(`.card[data-slot-id="${booked.id}"]`).getAttribute('data-status')).toBe('available');
    await block.click();
    await owner.screenshot({ path: screenshotPath('appointment-owner-desktop') });
  }, 60_000);
});
