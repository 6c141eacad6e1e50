import { DateTime } from 'luxon';
import type { Engine } from '../engine/engine.js';
import { expandWeeklyTemplate, type WeeklyTemplate } from './weekly-template.js';

// What a first start shows: three stylists, the next 7 days, ordinary salon hours on a
// 15-minute grid, and a menu whose services take one to six of those slots.

/** The demo menu: who offers what, as a small salon would have it. */
export const demoMenu = [
  { name: 'Beard trim', durationMinutes: 15, stylists: ['Ben'], price: '£15' },
  { name: 'Cut', durationMinutes: 30, price: '£35' },
  { name: 'Cut & blow-dry', durationMinutes: 45, price: '£50' },
  { name: 'Colour', durationMinutes: 90, stylists: ['Anna', 'Chloé'], price: 'from £85' },
];

export const demoTemplate = (now: number, zone: string): WeeklyTemplate => {
  const tomorrow = DateTime.fromMillis(now, { zone }).plus({ days: 1 });
  return {
    hours: {
      tue: [['09:00', '17:00']],
      wed: [['09:00', '17:00']],
      thu: [['10:00', '19:00']],
      fri: [['09:00', '17:00']],
      sat: [['09:00', '16:00']],
    },
    slotMinutes: 15,
    stylists: ['Anna', 'Ben', 'Chloé'],
    from: tomorrow.toISODate() ?? '',
    to: tomorrow.plus({ days: 6 }).toISODate() ?? '',
    zone,
  };
};

/** Defines the demo menu's services that are not on the menu yet (by name). */
const defineDemoMenu = async (engine: Engine): Promise<void> => {
  const names = new Set([...engine.models.services.byId.values()].map((s) => s.name));
  for (const service of demoMenu) {
    if (!names.has(service.name)) await engine.catalogue.define(service);
  }
};

/** Opens the demo schedule and menu; returns how many slots it opened. */
export const openDemoSchedule = async (engine: Engine, now: number, zone: string): Promise<number> => {
  await defineDemoMenu(engine);
  const specs = expandWeeklyTemplate(demoTemplate(now, zone));
  // Concurrent opens land in the same SQLite transactions (group commit).
  const outcomes = await engine.openMany(specs, { actor: { kind: 'owner' } });
  const failed = outcomes.find((o) => !o.ok);
  if (failed !== undefined && !failed.ok) throw failed.error;
  return outcomes.filter((o) => o.ok && o.result.events.length > 0).length;
};
