import { DateTime } from 'luxon';
import type { Engine } from '../engine/engine.js';
import { expandWeeklyTemplate, type WeeklyTemplate } from './weekly-template.js';

// What a first start shows: three stylists, the next 14 days, ordinary salon hours.
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
    slotMinutes: 60,
    stylists: ['Anna', 'Ben', 'Chloé'],
    from: tomorrow.toISODate() ?? '',
    to: tomorrow.plus({ days: 13 }).toISODate() ?? '',
    zone,
  };
};

/** Opens the demo schedule; returns how many slots it opened. */
export const openDemoSchedule = async (engine: Engine, now: number, zone: string): Promise<number> => {
  const specs = expandWeeklyTemplate(demoTemplate(now, zone));
  // Concurrent opens land in the same SQLite transactions (group commit).
  const outcomes = await engine.openMany(specs, { actor: { kind: 'owner' } });
  const failed = outcomes.find((o) => !o.ok);
  if (failed !== undefined && !failed.ok) throw failed.error;
  return outcomes.filter((o) => o.ok && o.result.events.length > 0).length;
};
