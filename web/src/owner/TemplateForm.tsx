import { type FormEvent, useState } from 'react';
import type { ApiFailure, Salon } from '../shared/api.ts';
import { Notice, type NoticeText } from './Notice.tsx';
import { ownerApi } from './ownerApi.ts';
import { TextField } from './TextField.tsx';

// Open a schedule from a weekly template: hours per weekday in the salon's zone, slot
// length, stylists, a date range. All or nothing: any refusal opens nothing.

const DAYS = [
  ['mon', 'Monday'],
  ['tue', 'Tuesday'],
  ['wed', 'Wednesday'],
  ['thu', 'Thursday'],
  ['fri', 'Friday'],
  ['sat', 'Saturday'],
  ['sun', 'Sunday'],
] as const;
type Day = (typeof DAYS)[number][0];
type Hours = Record<Day, { open: boolean; from: string; to: string }>;

const initialHours = (): Hours =>
  Object.fromEntries(
    DAYS.map(([d]) => [d, { open: !['sun', 'mon'].includes(d), from: '09:00', to: d === 'sat' ? '16:00' : '17:00' }]),
  ) as Hours;

export const TemplateForm = ({ salon }: { salon: Salon }) => {
  const [hours, setHours] = useState<Hours>(initialHours);
  const [minutes, setMinutes] = useState(60);
  const [stylists, setStylists] = useState(salon.stylists.join(', '));
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [result, setResult] = useState<NoticeText>();

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    const template = {
      hours: Object.fromEntries(
        DAYS.filter(([d]) => hours[d].open).map(([d]) => [d, [`${hours[d].from}-${hours[d].to}`]]),
      ),
      slot_minutes: minutes,
      stylists: stylists
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
      from,
      to,
    };
    try {
      const reply = await ownerApi<{ opened: number; existing: number }>('POST', '/api/admin/timeslots', {
        template,
      });
      setResult({ kind: 'ok', text: `Opened ${reply.opened} slots (${reply.existing} were already open).` });
    } catch (failure) {
      setResult({ kind: 'error', text: `Nothing was opened: ${(failure as ApiFailure).message}` });
    }
  };

  const set = (d: Day, patch: Partial<Hours[Day]>) => setHours((h) => ({ ...h, [d]: { ...h[d], ...patch } }));
  return (
    <section className="panel" aria-labelledby="tpl-heading">
      <h2 id="tpl-heading">Open a schedule</h2>
      <p className="hint">Times are in {salon.time_zone}; a 09:00 slot stays at 09:00 across clock changes.</p>
      <form onSubmit={(e) => void submit(e)}>
        <table className="week">
          <tbody>
            {DAYS.map(([d, label]) => (
              <tr key={d}>
                <th scope="row">
                  <label>
                    <input
                      type="checkbox"
                      checked={hours[d].open}
                      onChange={(e) => set(d, { open: e.target.checked })}
                    />{' '}
                    {label}
                  </label>
                </th>
                <td>
                  <input
                    aria-label={`${label} opens`}
                    type="time"
                    value={hours[d].from}
                    disabled={!hours[d].open}
                    onChange={(e) => set(d, { from: e.target.value })}
                  />
                </td>
                <td>
                  <input
                    aria-label={`${label} closes`}
                    type="time"
                    value={hours[d].to}
                    disabled={!hours[d].open}
                    onChange={(e) => set(d, { to: e.target.value })}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <TextField
          id="minutes"
          label="Slot length (minutes)"
          type="number"
          min={5}
          max={720}
          value={minutes}
          onChange={(v) => setMinutes(Number(v))}
        />
        <TextField id="stylists" label="Stylists (comma-separated)" value={stylists} onChange={setStylists} />
        <TextField id="from" label="From" type="date" required value={from} onChange={setFrom} />
        <TextField id="to" label="To (inclusive)" type="date" required value={to} onChange={setTo} />
        <Notice notice={result} />
        <div className="actions">
          <button type="submit" className="btn primary">
            Open slots
          </button>
        </div>
      </form>
    </section>
  );
};
