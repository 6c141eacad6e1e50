import { type FormEvent, useRef, useState } from 'react';
import type { ApiFailure, Salon } from '../shared/api.ts';
import { dayOf, longDateTime } from '../shared/time.ts';
import { Notice, type NoticeText } from './Notice.tsx';
import { type Account, ownerApi, type TimeOffOutcome } from './ownerApi.ts';
import { TextField } from './TextField.tsx';

// Time off: close every slot of one column between two times of a day ("Tuesday from
// 13:00"), or reopen them. A stylist blocks their own column; the owner picks whose. The
// times are the salon's wall clock. A booked slot is never closed over a client's head: the
// server leaves it open and lists it, to cancel or move first.

type Result = { action: 'block' | 'reopen'; outcome: TimeOffOutcome };

export const TimeOffPanel = ({ salon, me }: { salon: Salon; me: Account }) => {
  const zone = salon.time_zone;
  const owner = me.role === 'owner';
  const form = useRef<HTMLFormElement>(null);
  const [date, setDate] = useState(() => dayOf(new Date().toISOString(), zone));
  const [from, setFrom] = useState('09:00');
  const [to, setTo] = useState('17:00');
  const [reason, setReason] = useState('');
  const [stylist, setStylist] = useState(salon.stylists[0] ?? '');
  const [result, setResult] = useState<Result>();
  const [notice, setNotice] = useState<NoticeText>();
  const [busy, setBusy] = useState(false);

  const run = async (action: 'block' | 'reopen'): Promise<void> => {
    setNotice(undefined);
    setResult(undefined);
    setBusy(true);
    const range = {
      ...(owner && { stylist: stylist.trim() }),
      from: `${date}T${from}`,
      to: `${date}T${to}`,
    };
    try {
      const outcome =
        action === 'block'
          ? await ownerApi<TimeOffOutcome>('POST', '/api/admin/time-off', {
              ...range,
              ...(reason.trim() && { reason: reason.trim() }),
            })
          : await ownerApi<TimeOffOutcome>('POST', '/api/admin/time-off/reopen', range);
      setResult({ action, outcome });
    } catch (failure) {
      setNotice({ kind: 'error', text: `Nothing was changed: ${(failure as ApiFailure).message}` });
    } finally {
      setBusy(false);
    }
  };

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    void run('block');
  };
  const reopen = (): void => {
    if (form.current?.reportValidity() !== false) void run('reopen');
  };

  return (
    <section className="panel" aria-labelledby="timeoff-heading">
      <h2 id="timeoff-heading">Time off</h2>
      <p className="hint">
        {owner ? 'Close a stylist’s slots' : `Close your slots (column ${me.stylist ?? '—'})`} between two times of a
        day, in {zone}. Booked slots stay booked: they are listed, to cancel or move first.
      </p>
      <form ref={form} onSubmit={submit} aria-label="Time off">
        {owner && (
          <div className="field">
            <label htmlFor="timeoff-stylist">Stylist</label>
            {salon.stylists.length > 0 ? (
              <select id="timeoff-stylist" value={stylist} onChange={(e) => setStylist(e.target.value)}>
                {salon.stylists.map((s) => (
                  <option key={s} value={s}>
                    {s}
                  </option>
                ))}
              </select>
            ) : (
              <input id="timeoff-stylist" required value={stylist} onChange={(e) => setStylist(e.target.value)} />
            )}
          </div>
        )}
        <TextField id="timeoff-date" label="Date" type="date" required value={date} onChange={setDate} />
        <div className="field-row">
          <TextField id="timeoff-from" label="From" type="time" required value={from} onChange={setFrom} />
          <TextField id="timeoff-to" label="To" type="time" required value={to} onChange={setTo} />
        </div>
        <TextField
          id="timeoff-reason"
          label="Reason (optional)"
          maxLength={200}
          placeholder="e.g. dentist"
          value={reason}
          onChange={setReason}
        />
        <Notice notice={notice} />
        <div className="actions">
          <button type="submit" className="btn primary" disabled={busy}>
            Block time off
          </button>
          <button type="button" className="btn quiet" disabled={busy} onClick={reopen}>
            Reopen
          </button>
        </div>
      </form>
      {result && <Outcome result={result} zone={zone} />}
    </section>
  );
};

const Outcome = ({ result: { action, outcome }, zone }: { result: Result; zone: string }) => {
  const { changed, unchanged, booked, failed } = outcome;
  // One line per booking (a longer appointment is several booked slots), at its first slot in range.
  const bookings = [
    ...booked
      .reduce((by, b) => {
        const known = by.get(b.reference);
        if (known === undefined) by.set(b.reference, { ...b, slots: 1 });
        else {
          known.slots += 1;
          if (b.start_time < known.start_time) known.start_time = b.start_time;
        }
        return by;
      }, new Map<string, { reference: string; start_time: string; slots: number }>())
      .values(),
  ];
  return (
    <div className="notice" data-kind={failed.length > 0 || booked.length > 0 ? undefined : 'ok'} role="status">
      <p className="outcome-line" data-testid="timeoff-result">
        <strong>{outcome.message}</strong>
        {action === 'block' && unchanged > 0 && ` ${unchanged} already closed.`}
        {changed.length === 0 && unchanged === 0 && booked.length === 0 && failed.length === 0 && (
          <> There are no slots of this stylist's in that time.</>
        )}
      </p>
      {bookings.length > 0 && (
        <>
          <p className="outcome-line">
            {booked.length === 1 ? 'One slot is' : `${booked.length} slots are`} booked, so left open. Cancel or move{' '}
            {bookings.length === 1 ? 'that booking' : 'those bookings'} first (from the Day tab), then block the time
            again:
          </p>
          <ul className="outcome-list" data-testid="timeoff-booked">
            {bookings.map((b) => (
              <li key={b.reference} data-reference={b.reference}>
                {longDateTime(b.start_time, zone)} · <strong>{b.reference}</strong>
                {b.slots > 1 && ` (${b.slots} slots)`}
              </li>
            ))}
          </ul>
        </>
      )}
      {failed.length > 0 && (
        <>
          <p className="outcome-line">
            Could not change {failed.length === 1 ? 'one slot' : `${failed.length} slots`}:
          </p>
          <ul className="outcome-list" data-testid="timeoff-failed">
            {failed.map((f) => (
              <li key={f.id}>
                {f.id}: {f.message}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
};
