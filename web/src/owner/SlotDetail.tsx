import { useEffect, useMemo, useState } from 'react';
import type { Salon } from '../shared/api.ts';
import { longDateTime, timeOf } from '../shared/time.ts';
import { Messages } from './Messages.tsx';
import { type HistoryEvent, type OwnerSlot, ownerApi } from './ownerApi.ts';

// A slot's audit: every event as a timeline, each naming the appointment (hold or booking)
// it belongs to, and a replay slider that rebuilds the slot as it was at any instant
// between its opening and now (by replaying its events). A slot of a longer appointment
// links to its sibling slots, whose histories tell the same story.

const WHAT: Record<string, string> = {
  TimeslotOpened: 'Opened',
  TimeslotReserved: 'Held',
  ReservationCancelled: 'Hold released',
  ReservationExpired: 'Hold expired',
  TimeslotBooked: 'Booked',
  BookingCancelled: 'Booking cancelled',
  TimeslotClosed: 'Closed',
  TimeslotReopened: 'Reopened',
  BookingMovedOut: 'Booking moved away',
  BookingMovedIn: 'Booking moved here',
};

/**
 * Who caused an event: "a client", "the salon (API)" (the API token), a staff member by name
 * ("Ben"; a booking they cancelled or moved reads "the salon (Anna)"), or "the system".
 */
export const whoText = (event: Pick<HistoryEvent, 'type' | 'who'>): string => {
  const { who } = event;
  if (who.kind === 'client') return 'a client';
  if (who.kind === 'owner') return 'the salon (API)';
  if (who.kind === 'system') return 'the system';
  if (who.kind === 'staff') {
    const name = who.name?.trim() || 'a member of staff';
    return event.type.startsWith('Booking') ? `the salon (${name})` : name;
  }
  return who.kind;
};

/** "booking HF-7K2P-9QXD" or "hold 3f2a9c1e": a hold's id is a UUID, its start is enough to tell. */
export const appointmentLabel = (appointment: string): string =>
  /^HF-/i.test(appointment) ? `booking ${appointment}` : `hold ${appointment.slice(0, 8)}`;

const timeWithSeconds = (iso: string, zone: string): string =>
  new Intl.DateTimeFormat('en-GB', {
    timeZone: zone,
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(iso));

export const SlotDetail = ({
  salon,
  staffOnly = false,
  slot,
  appointment,
  onSelect,
  position,
  onClose,
  onReopen,
  onCancelBooking,
  onUnauthorised = () => undefined,
}: {
  salon: Salon;
  /** A stylist's view: no messages (those are the owner's). */
  staffOnly?: boolean;
  slot: OwnerSlot;
  /** Every slot of the appointment this slot is part of, in time order (itself alone if none). */
  appointment: OwnerSlot[];
  onSelect: (slotId: string) => void;
  position: number;
  onClose: () => void;
  onReopen: () => void;
  onCancelBooking: (reference: string) => void;
  /** Called when the session is refused (messages are fetched here). */
  onUnauthorised?: () => void;
}) => {
  const zone = salon.time_zone;
  const [events, setEvents] = useState<HistoryEvent[]>([]);
  const [at, setAt] = useState<number>();
  const [past, setPast] = useState<{ at: string; timeslot: OwnerSlot | null }>();

  // Refetched whenever the slot changes (its version) or the log moves on (position).
  // biome-ignore lint/correctness/useExhaustiveDependencies: version and position are refetch triggers
  useEffect(() => {
    ownerApi<{ events: HistoryEvent[] }>('GET', `/api/admin/timeslots/${slot.id}/history`).then(
      (reply) => setEvents(reply.events),
      () => setEvents([]),
    );
  }, [slot.id, slot.version, position]);

  const range = useMemo(() => {
    const first = events[0] ? Date.parse(events[0].at) : Date.now();
    return { min: first, max: Math.max(first + 1_000, Date.now()) };
  }, [events]);

  // Replay, debounced while the slider moves.
  useEffect(() => {
    if (at === undefined) return;
    const timer = setTimeout(() => {
      ownerApi<{ at: string; timeslot: OwnerSlot | null }>(
        'GET',
        `/api/admin/timeslots/${slot.id}/state?at=${encodeURIComponent(new Date(at).toISOString())}`,
      ).then(setPast, () => setPast(undefined));
    }, 150);
    return () => clearTimeout(timer);
  }, [at, slot.id]);

  return (
    <section className="panel" aria-labelledby="detail-heading">
      <h2 id="detail-heading">
        {slot.stylist}, {longDateTime(slot.start_time, zone)}
      </h2>
      <p>
        Now: <strong data-testid="slot-status">{slot.status}</strong>
        {slot.booking && ` · ${slot.booking.reference} · ${slot.booking.customer?.name ?? ''}`}
      </p>
      {appointment.length > 1 && (
        <>
          <p data-testid="appointment">
            Part of {slot.booking?.service_name ?? slot.hold?.service_name ?? 'an appointment'},{' '}
            {timeOf(appointment[0]?.start_time ?? slot.start_time, zone)}–
            {timeOf(appointment[appointment.length - 1]?.end_time ?? slot.end_time, zone)} ({appointment.length} slots;
            closing one ends the whole hold)
          </p>
          <fieldset className="choice">
            <legend className="visually-hidden">Slots of this appointment</legend>
            <div className="chips">
              {appointment.map((s) => (
                <button
                  key={s.id}
                  type="button"
                  className="chip"
                  aria-pressed={s.id === slot.id}
                  onClick={() => onSelect(s.id)}
                >
                  {timeOf(s.start_time, zone)}
                </button>
              ))}
            </div>
          </fieldset>
        </>
      )}
      <div className="actions">
        {slot.status === 'closed' ? (
          <button type="button" className="btn quiet" onClick={onReopen}>
            Reopen
          </button>
        ) : slot.status !== 'booked' ? (
          <button type="button" className="btn quiet" onClick={onClose}>
            Close slot
          </button>
        ) : null}
        {slot.booking && (
          <button
            type="button"
            className="btn danger"
            onClick={() => {
              if (window.confirm(`Cancel booking ${slot.booking?.reference}?`))
                onCancelBooking(slot.booking?.reference ?? '');
            }}
          >
            Cancel booking
          </button>
        )}
      </div>

      {slot.booking && !staffOnly && (
        <Messages
          zone={salon.time_zone}
          query={`booking=${encodeURIComponent(slot.booking.reference)}`}
          title="Messages for this booking"
          onUnauthorised={onUnauthorised}
        />
      )}

      <h3>History</h3>
      <ol className="timeline" aria-label="Slot history" data-testid="history">
        {events.map((e) => (
          <li key={e.revision}>
            <strong>{WHAT[e.type] ?? e.type}</strong> by {whoText(e)}
            {typeof e.data.reason === 'string' && ` (${e.data.reason})`}
            {e.appointment && (
              <span className="appt" data-appointment={e.appointment}>
                {appointmentLabel(e.appointment)}
              </span>
            )}
            <div className="when">{timeWithSeconds(e.at, zone)}</div>
          </li>
        ))}
      </ol>

      <h3>
        <label htmlFor="replay">Replay</label>
      </h3>
      <input
        id="replay"
        type="range"
        min={range.min}
        max={range.max}
        step={1_000}
        value={at ?? range.max}
        onChange={(e) => setAt(Number(e.target.value))}
        style={{ width: '100%' }}
        aria-valuetext={timeWithSeconds(new Date(at ?? range.max).toISOString(), zone)}
      />
      <p aria-live="polite" data-testid="replay-state">
        {at === undefined
          ? 'Drag to see this slot at any moment of its history.'
          : past === undefined
            ? '…'
            : `At ${timeWithSeconds(past.at, zone)}: ${
                past.timeslot === null
                  ? 'not yet opened'
                  : past.timeslot.status +
                    (past.timeslot.hold ? ` (held, ${past.timeslot.hold.seconds_left}s left)` : '') +
                    (past.timeslot.booking ? ` (${past.timeslot.booking.reference})` : '')
              }`}
      </p>
    </section>
  );
};
