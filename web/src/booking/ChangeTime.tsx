import { useEffect, useRef, useState } from 'react';
import { type ApiFailure, api, type Booking, type Salon, type Service, type StartOption } from '../shared/api.ts';
import { dayOf, longTimeRange } from '../shared/time.ts';
import { TimePicker } from './TimePicker.tsx';
import { useServices } from './useServices.ts';
import { useSlots } from './useSlots.ts';

// "Change time" on the manage page: a new start for the same service, with the same
// stylist or anyone who offers it. The server moves the booking in one write (the new
// slots booked and the old ones freed together) or changes nothing; the reference stays.

/** What to tell the client when the move is refused, in plain words. */
const refusal = (failure: ApiFailure): string => {
  switch (failure.code) {
    case 'slot_taken':
      return 'Sorry — that time was just taken. Your booking is unchanged; please pick another time.';
    case 'service_does_not_fit':
      return 'Sorry — that time no longer fits your appointment. Your booking is unchanged; please pick another time.';
    case 'reschedule_cutoff_passed':
      return 'It is too late to change this booking online. Please call the salon.';
    case 'booking_cancelled':
      return 'This booking has been cancelled, so its time cannot be changed.';
    case 'booking_not_found':
      return 'We could not find that booking. Check the link you were given.';
    case 'not_found':
      return 'Changing the time online is not available yet. Please call the salon.';
    default:
      return `${failure.message} Your booking is unchanged.`;
  }
};

/** The service to find a new time for: the booking's own, or (booked without one) a plain slot of its length. */
const serviceOf = (booking: Booking, services: Service[], salon: Salon): Service | undefined => {
  if (booking.service === undefined) {
    const minutes = (Date.parse(booking.end_time) - Date.parse(booking.start_time)) / 60_000;
    return { id: '', name: 'appointment', duration_minutes: minutes, stylists: salon.stylists };
  }
  return services.find((s) => s.id === booking.service);
};

export const ChangeTime = ({
  salon,
  booking,
  token,
  onMoved,
  onClose,
}: {
  salon: Salon;
  booking: Booking;
  token: string;
  onMoved: (booking: Booking) => void;
  onClose: () => void;
}) => {
  const zone = salon.time_zone;
  const { slots, status } = useSlots();
  const { services, failed } = useServices();
  const [chosen, setChosen] = useState<StartOption>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const service = services && serviceOf(booking, services, salon);
  // Focus follows the step (once per step, not per render: live updates re-render often):
  // the panel when it opens, the question when a time is picked far below it on a phone.
  const heading = useRef<HTMLHeadingElement>(null);
  const question = useRef<HTMLParagraphElement>(null);
  useEffect(() => heading.current?.focus(), []);
  useEffect(() => {
    if (chosen) question.current?.focus();
  }, [chosen]);

  const move = async (option: StartOption): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      const reply = await api<{ booking: Booking }>(
        'POST',
        `/api/bookings/${encodeURIComponent(booking.reference)}/reschedule`,
        { ...(token && { token }), slot_id: option.id },
      );
      onMoved(reply.booking);
    } catch (failure) {
      setError(refusal(failure as ApiFailure));
      setChosen(undefined);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="panel" aria-labelledby="change-heading">
      <h2 id="change-heading" tabIndex={-1} ref={heading}>
        Change time
      </h2>
      <p className="hint">
        Now: {longTimeRange(booking.start_time, booking.end_time, zone)} with {booking.stylist}. Pick a new start
        {booking.service_name ? ` for your ${booking.service_name}` : ''}; your current time is kept until the new one
        is confirmed.
      </p>
      <div className="actions">
        <button type="button" className="btn quiet" onClick={onClose} disabled={busy}>
          Keep my current time
        </button>
      </div>
      <div aria-live="assertive">
        {error && (
          <p className="notice" data-kind="error" role="alert">
            {error}
          </p>
        )}
      </div>
      {chosen && (
        <section className="confirm-move" aria-labelledby="move-question">
          <p id="move-question" tabIndex={-1} ref={question}>
            Move to <strong>{longTimeRange(chosen.start_time, chosen.end_time, zone)}</strong> with {chosen.stylist}?
          </p>
          <div className="actions">
            <button type="button" className="btn primary" disabled={busy} onClick={() => void move(chosen)}>
              {busy ? 'Moving…' : 'Yes, move it'}
            </button>
            <button type="button" className="btn quiet" disabled={busy} onClick={() => setChosen(undefined)}>
              Pick another time
            </button>
          </div>
        </section>
      )}
      {failed && (
        <p className="notice" data-kind="error" role="alert">
          The menu could not be loaded: {failed}
        </p>
      )}
      {services !== undefined && service === undefined && (
        <p className="notice" data-kind="error" role="alert">
          The salon no longer offers {booking.service_name ?? 'this service'} online, so its time cannot be changed
          here. Please call the salon.
        </p>
      )}
      {service && (
        <TimePicker
          service={service}
          zone={zone}
          slots={slots}
          status={status}
          busy={busy}
          initialStylist={booking.stylist}
          initialDay={dayOf(booking.start_time, zone)}
          onPick={setChosen}
        />
      )}
    </section>
  );
};
