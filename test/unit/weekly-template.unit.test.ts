import { describe, expect, it } from 'vitest';
import { expandWeeklyTemplate, type WeeklyTemplate } from '../../src/schedule/weekly-template.js';

const base: WeeklyTemplate = {
  hours: { sat: [['09:00', '12:00']] },
  slotMinutes: 60,
  stylists: ['Anna'],
  from: '2026-03-28',
  to: '2026-04-04',
  zone: 'Europe/London',
};
const iso = (ms: number) => new Date(ms).toISOString();

describe('weekly template', () => {
  it('keeps slots at the same wall-clock time across the spring change (UTC shifts by an hour)', () => {
    const slots = expandWeeklyTemplate(base);
    expect(slots.map((s) => iso(s.startsAt))).toEqual([
      '2026-03-28T09:00:00.000Z',
      '2026-03-28T10:00:00.000Z',
      '2026-03-28T11:00:00.000Z',
      '2026-04-04T08:00:00.000Z',
      '2026-04-04T09:00:00.000Z',
      '2026-04-04T10:00:00.000Z',
    ]);
    for (const s of slots) expect(s.endsAt - s.startsAt).toBe(3_600_000);
  });

  it('skips slots that touch a wall-clock hour the spring change removes', () => {
    const slots = expandWeeklyTemplate({
      ...base,
      hours: { sun: [['00:00', '04:00']] },
      from: '2026-03-29',
      to: '2026-03-29',
    });
    // 01:00–02:00 does not exist; 00:00–01:00 would end in it. 02:00 and 03:00 are real.
    expect(slots.map((s) => iso(s.startsAt))).toEqual(['2026-03-29T01:00:00.000Z', '2026-03-29T02:00:00.000Z']);
  });

  it('skips a slot the autumn change would make two hours long', () => {
    const slots = expandWeeklyTemplate({
      ...base,
      hours: { sun: [['00:00', '03:00']] },
      from: '2026-10-25',
      to: '2026-10-25',
    });
    expect(slots.map((s) => [iso(s.startsAt), (s.endsAt - s.startsAt) / 60_000])).toEqual([
      ['2026-10-24T23:00:00.000Z', 60],
      ['2026-10-25T02:00:00.000Z', 60],
    ]);
  });

  it('gives every stylist every slot, and respects several opening periods a day', () => {
    const slots = expandWeeklyTemplate({
      ...base,
      hours: {
        mon: [
          ['09:00', '10:30'],
          ['13:00', '14:00'],
        ],
      },
      slotMinutes: 30,
      stylists: ['Anna', 'Ben'],
      from: '2026-03-30',
      to: '2026-03-30',
    });
    expect(slots).toHaveLength(10); // (3 + 2 half-hours) × 2 stylists
    expect(new Set(slots.map((s) => s.stylist))).toEqual(new Set(['Anna', 'Ben']));
  });

  it.each([
    ['a bad time', { hours: { sat: [['9am', '12:00']] } }],
    ['to before from', { from: '2026-04-04', to: '2026-03-28' }],
    ['a tiny slot length', { slotMinutes: 3 }],
    ['over a year', { from: '2026-01-01', to: '2027-06-01' }],
    ['a bad date', { from: 'soon' }],
  ])('refuses %s', (_label, change) => {
    expect(() => expandWeeklyTemplate({ ...base, ...change } as WeeklyTemplate)).toThrow(RangeError);
  });
});
