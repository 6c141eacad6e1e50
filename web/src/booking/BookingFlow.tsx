import type { Challenge } from 'altcha-lib';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { type ApiFailure, api, type Booking, type PublicSlot, type Salon } from '../shared/api.ts';
import { solveProofOfWork } from '../shared/proof-of-work.ts';
import { dayLabel, dayOf, timeOf } from '../shared/time.ts';
import { Confirmation } from './Confirmation.tsx';
import { HoldPanel } from './HoldPanel.tsx';
import { useSlots } from './useSlots.ts';

// Pick a day and a stylist, tap a time: it is held for you (and hidden from everyone
// else) while you confirm. Everything on screen follows the live stream.

type Hold = { slot: PublicSlot; expiresAt: number };
type Notice = { kind: 'info' | 'ok' | 'error'; text: string };

type ReserveReply = { timeslot: PublicSlot; expires_at: string };

const reserveReply = (reply: ReserveReply): Hold => ({
  slot: reply.timeslot,
  expiresAt: Date.parse(reply.expires_at),
});

const minutes = (seconds: number): string => {
  const m = Math.ceil(seconds / 60);
  return m <= 1 ? 'a minute' : `${m} minutes`;
};

/** What to tell a client whose hold was refused, in the page's words. */
const refusalText = (failure: ApiFailure): string => {
  if (failure.status === 409 && failure.code === 'slot_taken') {
    return 'Sorry — someone else just took that time. Here is what is still free.';
  }
  if (failure.code === 'hold_cooldown') {
    const wait = failure.retryAfter === undefined ? '' : `, or this one again in ${minutes(failure.retryAfter)}`;
    return `That time was held from this connection a moment ago, and holds cannot be renewed. Please pick another time${wait}.`;
  }
  return failure.message;
};

/**
 * Reserves, solving a proof of work when the server asks for one (much of the day is held).
 * A challenge that failed (it expired while a slow phone worked) comes with a new one.
 */
const reserveWithProof = async (slotId: string, onSolving: () => void): Promise<ReserveReply> => {
  let altcha: string | undefined;
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await api<ReserveReply>('POST', `/api/timeslots/${slotId}/reserve`, altcha && { altcha });
    } catch (error) {
      const failure = error as ApiFailure;
      const challenge = failure.body?.challenge as Challenge | undefined;
      const asked = failure.code === 'challenge_required' || failure.code === 'challenge_failed';
      if (!asked || challenge === undefined || attempt >= 2) throw error;
      onSolving();
      altcha = await solveProofOfWork(challenge);
    }
  }
};

export const BookingFlow = ({ salon }: { salon: Salon }) => {
  const zone = salon.time_zone;
  const { slots, status, put } = useSlots();
  const [day, setDay] = useState<string>();
  const [stylist, setStylist] = useState<string>('any');
  const [hold, setHold] = useState<Hold>();
  const [booking, setBooking] = useState<Booking>();
  const [notice, setNotice] = useState<Notice>();
  const [busy, setBusy] = useState(false);
  const held = useRef<Hold | undefined>(undefined);
  held.current = hold;
  // A hold given up here (released, or run out on our clock) stays given up: the list can
  // show the slot as ours a moment longer, until the reply or the live update lands, and
  // that must not bring the hold back (nor turn "Released." into "the salon closed it").
  const givenUp = useRef(new Map<string, number>());
  const giveUp = useCallback((): string | undefined => {
    const current = held.current;
    if (current === undefined) return undefined;
    givenUp.current.set(current.slot.id, current.slot.version);
    held.current = undefined;
    setHold(undefined);
    return current.slot.id;
  }, []);
  const expired = useCallback((): void => {
    giveUp();
    setNotice({
      kind: 'error',
      text: 'Time ran out, so the slot was released. You can pick it again if it is still free.',
    });
  }, [giveUp]);

  // Leaving the page does not release the hold: it may be a reload (then the hold is resumed
  // below), and a released time is not this client's again for a cool-down (holds are not
  // renewable). A hold left behind lapses at its deadline like any other.

  const all = useMemo(() => [...slots.values()].sort((a, b) => a.start_time.localeCompare(b.start_time)), [slots]);
  const days = useMemo(() => {
    const counts = new Map<string, number>();
    for (const s of all) {
      const key = dayOf(s.start_time, zone);
      counts.set(key, (counts.get(key) ?? 0) + (s.status === 'available' ? 1 : 0));
    }
    return [...counts];
  }, [all, zone]);
  const chosenDay = day ?? days.find(([, free]) => free > 0)?.[0] ?? days[0]?.[0];
  const shown = all.filter(
    (s) => dayOf(s.start_time, zone) === chosenDay && (stylist === 'any' || s.stylist === stylist),
  );

  // A hold of ours that the server shows (say, after a reload) is resumed, not forgotten.
  useEffect(() => {
    if (hold !== undefined || booking !== undefined) return;
    const mine = all.find(
      (s) => s.status === 'reserved' && s.yours && s.expires_at && s.version > (givenUp.current.get(s.id) ?? -1),
    );
    if (mine?.expires_at) setHold({ slot: mine, expiresAt: Date.parse(mine.expires_at) });
  }, [all, hold, booking]);

  // The stream says our hold is gone (expired on the server, or closed by the salon).
  useEffect(() => {
    if (hold === undefined) return;
    const now = slots.get(hold.slot.id);
    if (now !== undefined && now.version > hold.slot.version && !now.yours) {
      if (Date.now() >= hold.expiresAt - 2_000) expired();
      else {
        setHold(undefined);
        setNotice({
          kind: 'error',
          text: 'The salon has just closed that time, so your hold ended. Please pick another.',
        });
      }
    }
  }, [slots, hold, expired]);

  const reserve = async (slot: PublicSlot): Promise<void> => {
    setBusy(true);
    setNotice(undefined);
    try {
      if (hold !== undefined && hold.slot.id !== slot.id) await release(false);
      const reply = await reserveWithProof(slot.id, () =>
        setNotice({ kind: 'info', text: 'Lots of people are booking right now: checking this browser, a moment…' }),
      );
      setNotice(undefined);
      put(reply.timeslot);
      setHold(reserveReply(reply));
    } catch (error) {
      const failure = error as ApiFailure;
      setNotice({ kind: 'error', text: failure.code === undefined ? String(failure.message) : refusalText(failure) });
      const fresh = await api<PublicSlot[]>('GET', '/api/timeslots?include=all').catch(() => []);
      for (const s of fresh) put(s);
    } finally {
      setBusy(false);
    }
  };

  const release = async (tell = true): Promise<void> => {
    const id = giveUp();
    if (id === undefined) return;
    try {
      const reply = await api<{ timeslot: PublicSlot }>('POST', `/api/timeslots/${id}/cancel`);
      put(reply.timeslot);
      if (tell) setNotice({ kind: 'info', text: 'Released. That time is free for others again.' });
    } catch (error) {
      if (!tell) return; // picking another time: the new hold is what matters
      const failure = error as ApiFailure;
      setNotice(
        failure.status === 400 || failure.status === 404
          ? { kind: 'info', text: 'That hold had already ended: there was nothing left to release.' }
          : { kind: 'error', text: `${failure.message} If it stays held, it is released when the countdown ends.` },
      );
    }
  };

  if (booking !== undefined) {
    return (
      <Confirmation
        booking={booking}
        salon={salon}
        onAgain={() => {
          setBooking(undefined);
          setNotice(undefined);
        }}
      />
    );
  }

  return (
    <>
      <p className="live-dot" data-status={status} style={{ color: 'var(--muted)' }}>
        {status === 'live' ? 'Times update live' : 'Reconnecting to live updates…'}
      </p>

      {hold !== undefined && (
        <HoldPanel
          salon={salon}
          slot={hold.slot}
          expiresAt={hold.expiresAt}
          onBooked={(b) => {
            setHold(undefined);
            setBooking(b);
          }}
          onRelease={() => void release()}
          onExpired={expired}
        />
      )}

      <div aria-live="polite" aria-atomic="true">
        {notice && (
          <p className="notice" data-kind={notice.kind} role={notice.kind === 'error' ? 'alert' : 'status'}>
            {notice.text}
          </p>
        )}
      </div>

      <fieldset className="choice">
        <legend>Day</legend>
        <div className="chips">
          {days.map(([key, free]) => (
            <button
              key={key}
              type="button"
              className="chip"
              aria-pressed={key === chosenDay}
              onClick={() => setDay(key)}
            >
              {dayLabel(key, zone)}
              <small>{free === 0 ? 'full' : `${free} free`}</small>
            </button>
          ))}
        </div>
      </fieldset>

      <fieldset className="choice">
        <legend>Stylist</legend>
        <div className="chips">
          {['any', ...salon.stylists].map((name) => (
            <button
              key={name}
              type="button"
              className="chip"
              aria-pressed={name === stylist}
              onClick={() => setStylist(name)}
            >
              {name === 'any' ? 'Anyone' : name}
            </button>
          ))}
        </div>
      </fieldset>

      <h2 id="times-heading">{chosenDay ? `Times on ${dayLabel(chosenDay, zone)}` : 'Times'}</h2>
      {shown.length === 0 ? (
        <p className="empty">{status === 'live' ? 'No times on this day. Try another day.' : 'Loading times…'}</p>
      ) : (
        <ul className="slots" aria-labelledby="times-heading">
          {shown.map((slot) => (
            <li key={slot.id}>
              <SlotButton slot={slot} zone={zone} disabled={busy} onPick={() => void reserve(slot)} />
            </li>
          ))}
        </ul>
      )}
    </>
  );
};

const STATE_TEXT: Record<PublicSlot['status'], string> = {
  available: 'Available',
  unavailable: 'Taken',
  reserved: 'Held for you',
  booked: 'Your booking',
};

const SlotButton = ({
  slot,
  zone,
  disabled,
  onPick,
}: {
  slot: PublicSlot;
  zone: string;
  disabled: boolean;
  onPick: () => void;
}) => {
  const time = timeOf(slot.start_time, zone);
  const canPick = slot.status === 'available';
  return (
    <button
      type="button"
      className="slot"
      data-status={slot.status}
      data-slot-id={slot.id}
      disabled={!canPick || disabled}
      aria-label={`${time} with ${slot.stylist}: ${STATE_TEXT[slot.status]}`}
      onClick={onPick}
    >
      <span className="time">{time}</span>
      <span className="who">{slot.stylist}</span>
      <span className="state">{STATE_TEXT[slot.status]}</span>
    </button>
  );
};
