import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { type ApiFailure, api, type Booking, type PublicSlot, type Salon, type StartOption } from '../shared/api.ts';
import { Confirmation } from './Confirmation.tsx';
import { HoldPanel } from './HoldPanel.tsx';
import { refusalText, reserveWithProof } from './reserve.ts';
import { ServicePicker } from './ServicePicker.tsx';
import { type Held, resumeHold, saveHold } from './savedHold.ts';
import { TimePicker } from './TimePicker.tsx';
import { useServices } from './useServices.ts';
import { useSlots } from './useSlots.ts';

// Pick a service, then a stylist (or anyone who offers it), a day and a start time: the
// whole appointment is held for you (and hidden from everyone else) while you confirm.
// Everything on screen follows the live stream.

/** Our hold: the appointment, and the first slot's version when we got it (to notice it ending). */
type Hold = { held: Held; version: number; expiresAt: number };
type Notice = { kind: 'info' | 'ok' | 'error'; text: string };

/** A hold is one deadline on its slots: a new hold on them has another. */
const holdKey = (slotId: string, expiresAt: string | undefined): string => `${slotId}|${expiresAt ?? ''}`;

export const BookingFlow = ({ salon }: { salon: Salon }) => {
  const zone = salon.time_zone;
  const { slots, status, put } = useSlots();
  const { services, failed } = useServices();
  const [serviceId, setServiceId] = useState<string>();
  const [hold, setHold] = useState<Hold>();
  const [booking, setBooking] = useState<Booking>();
  const [notice, setNotice] = useState<Notice>();
  const [busy, setBusy] = useState(false);
  const held = useRef<Hold | undefined>(undefined);
  held.current = hold;
  // A hold given up here (released, or run out on our clock) stays given up: the stream can
  // show its slots as ours a moment longer, until the reply or the live update lands, and
  // that must not bring the hold back (nor turn "Released." into "the salon closed it").
  const givenUp = useRef(new Set<string>());
  const giveUp = useCallback((): string | undefined => {
    const current = held.current;
    if (current === undefined) return undefined;
    for (const id of current.held.hold.slot_ids) givenUp.current.add(holdKey(id, current.held.hold.expires_at));
    held.current = undefined;
    setHold(undefined);
    saveHold(undefined);
    return current.held.hold.slot_ids[0];
  }, []);
  const expired = useCallback((): void => {
    giveUp();
    setNotice({
      kind: 'error',
      text: 'Time ran out, so the time was released. You can pick it again if it is still free.',
    });
  }, [giveUp]);

  // Leaving the page does not release the hold: it may be a reload (then the hold is resumed
  // below), and a released time is not this client's again for a cool-down (holds are not
  // renewable). A hold left behind lapses at its deadline like any other.

  const service = services?.find((s) => s.id === serviceId);
  const all = useMemo(() => [...slots.values()].sort((a, b) => a.start_time.localeCompare(b.start_time)), [slots]);

  // A hold of ours that the server shows (say, after a reload) is resumed, not forgotten.
  useEffect(() => {
    if (hold !== undefined || booking !== undefined || busy) return; // a reserve's own reply is on its way
    const first = all.find(
      (s) => s.status === 'reserved' && s.yours && s.expires_at && !givenUp.current.has(holdKey(s.id, s.expires_at)),
    );
    if (first?.expires_at === undefined) return;
    const resumed = resumeHold(first, slots);
    setHold({ held: resumed, version: first.version, expiresAt: Date.parse(first.expires_at) });
    if (resumed.hold.service) setServiceId((chosen) => chosen ?? resumed.hold.service);
  }, [all, slots, hold, booking, busy]);

  // The stream says our hold is gone (expired on the server, or closed by the salon): every
  // slot of an appointment changes in one commit, so its first slot tells.
  useEffect(() => {
    if (hold === undefined) return;
    const now = slots.get(hold.held.hold.slot_ids[0] ?? '');
    if (now !== undefined && now.version > hold.version && !now.yours) {
      if (Date.now() >= hold.expiresAt - 2_000) expired();
      else {
        giveUp();
        setNotice({
          kind: 'error',
          text: 'The salon has just closed that time, so your hold ended. Please pick another.',
        });
      }
    }
  }, [slots, hold, expired, giveUp]);

  const reserve = async (option: StartOption): Promise<void> => {
    if (service === undefined) return;
    setBusy(true);
    setNotice(undefined);
    try {
      if (hold !== undefined && hold.held.hold.slot_ids[0] !== option.id) await release(false);
      const reply = await reserveWithProof(option.id, service.id, () =>
        setNotice({ kind: 'info', text: 'Lots of people are booking right now: checking this browser, a moment…' }),
      );
      setNotice(undefined);
      put(reply.timeslot);
      const mine: Held = { hold: reply.hold, stylist: reply.timeslot.stylist };
      saveHold(mine);
      setHold({ held: mine, version: reply.timeslot.version, expiresAt: Date.parse(reply.expires_at) });
    } catch (error) {
      const failure = error as ApiFailure;
      setNotice({ kind: 'error', text: failure.code === undefined ? String(failure.message) : refusalText(failure) });
      // The page did not know: catch up now rather than at the next live message.
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
          hold={hold.held.hold}
          stylist={hold.held.stylist}
          expiresAt={hold.expiresAt}
          onBooked={(b) => {
            saveHold(undefined);
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

      {failed && (
        <p className="notice" data-kind="error" role="alert">
          The menu could not be loaded: {failed}
        </p>
      )}
      {services === undefined ? (
        !failed && <p className="empty">Loading the menu…</p>
      ) : (
        <ServicePicker services={services} chosen={serviceId} onChoose={(s) => setServiceId(s.id)} />
      )}

      {service === undefined ? (
        services !== undefined && <p className="hint">Choose a service to see when it can be done.</p>
      ) : (
        <TimePicker
          service={service}
          zone={zone}
          slots={slots}
          status={status}
          busy={busy}
          onPick={(option) => void reserve(option)}
        />
      )}
    </>
  );
};
