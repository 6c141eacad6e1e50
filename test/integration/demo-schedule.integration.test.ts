import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { activeServices, bookingsBetween, slotsBetween, startOptions } from '../../projections/index.js';
import { openDemoSchedule } from '../../src/schedule/demo.js';
import { OWNER, type Rig, sqliteRig } from '../support/engine-harness.js';
import { HOUR, T0 } from '../support/fixtures.js';

describe('demo schedule on a fresh SQLite log', () => {
  let rig: Rig;
  beforeEach(async () => {
    rig = await sqliteRig();
  });
  afterEach(() => rig.dispose());

  it('opens a week for three stylists, with the menu, once, and survives a restart unchanged', async () => {
    const opened = await openDemoSchedule(rig.engine, T0, 'Europe/London');
    expect(opened).toBeGreaterThan(150);
    const all = slotsBetween(rig.engine.models.availability, { from: T0, to: T0 + 15 * 24 * HOUR });
    expect(all).toHaveLength(opened);
    expect(new Set(all.map((s) => s.stylist))).toEqual(new Set(['Anna', 'Ben', 'Chloé']));
    expect(all.every((s) => s.status === 'available' && s.startsAt > T0)).toBe(true);
    expect(all.every((s) => s.endsAt - s.startsAt === 15 * 60_000)).toBe(true);
    // The menu: one to six slots a service, and every service can start somewhere.
    const menu = activeServices(rig.engine.models.services);
    expect(menu.map((s) => [s.name, s.durationMinutes])).toEqual([
      ['Beard trim', 15],
      ['Cut', 30],
      ['Cut & blow-dry', 45],
      ['Colour', 90],
    ]);
    for (const service of menu) {
      const range = { from: T0, to: T0 + 15 * 24 * HOUR };
      expect(startOptions(rig.engine.models.availability, range, service, T0).length).toBeGreaterThan(10);
    }

    expect(await openDemoSchedule(rig.engine, T0, 'Europe/London')).toBe(0); // idempotent
    expect(rig.engine.models.services.byId.size).toBe(4);
    await rig.restart();
    expect(slotsBetween(rig.engine.models.availability, { from: T0, to: T0 + 15 * 24 * HOUR })).toHaveLength(opened);
    expect(bookingsBetween(rig.engine.models.bookings, T0, T0 + 15 * 24 * HOUR)).toEqual([]);
  });

  it('refuses overlapping slots inside one batch and keeps the rest', async () => {
    const start = T0 + 5 * HOUR;
    const outcomes = await rig.engine.openMany(
      [
        { stylist: 'Dana', startsAt: start, endsAt: start + HOUR },
        { stylist: 'Dana', startsAt: start + HOUR / 2, endsAt: start + HOUR + HOUR / 2 },
        { stylist: 'Dana', startsAt: start + 2 * HOUR, endsAt: start + 3 * HOUR },
      ],
      OWNER,
    );
    expect(outcomes.map((o) => (o.ok ? 'ok' : (o.error as { code: string }).code))).toEqual([
      'ok',
      'slot_overlaps',
      'ok',
    ]);
  });
});
