import { useEffect, useState } from 'react';
import { type ApiFailure, api, type Booking, type Salon } from '../shared/api.ts';
import { longTimeRange } from '../shared/time.ts';
import { ChangeTime } from './ChangeTime.tsx';
import { BookingFacts, calendarLink } from './Confirmation.tsx';

// The manage link: see the booking, add it to a calendar, change its time or cancel it
// before the cut-off.

export const ManageBooking = ({ salon, reference }: { salon: Salon; reference: string }) => {
  const token = new URLSearchParams(window.location.search).get('token') ?? '';
  const query = token ? `?token=${encodeURIComponent(token)}` : '';
  const [booking, setBooking] = useState<Booking>();
  const [error, setError] = useState<string>();
  const [confirming, setConfirming] = useState(false);
  const [changing, setChanging] = useState(false);
  const [moved, setMoved] = useState<string>();

  useEffect(() => {
    api<{ booking: Booking }>('GET', `/api/bookings/${encodeURIComponent(reference)}${query}`).then(
      (reply) => setBooking(reply.booking),
      (failure: ApiFailure) =>
        setError(
          failure.status === 404 ? 'We could not find that booking. Check the link you were given.' : failure.message,
        ),
    );
  }, [reference, query]);

  const cancel = async (): Promise<void> => {
    try {
      const reply = await api<{ booking: Booking }>('POST', `/api/bookings/${encodeURIComponent(reference)}/cancel`, {
        token,
      });
      setBooking(reply.booking);
      setConfirming(false);
    } catch (failure) {
      setError((failure as ApiFailure).message);
    }
  };

  if (error && booking === undefined) {
    return (
      <p className="notice" data-kind="error" role="alert">
        {error}
      </p>
    );
  }
  if (booking === undefined) return <p className="empty">Loading your booking…</p>;
  const cancellable = booking.status === 'confirmed' && Date.now() < Date.parse(booking.cancellable_until);
  if (changing) {
    return (
      <ChangeTime
        salon={salon}
        booking={booking}
        token={token}
        onMoved={(after) => {
          setBooking(after);
          setChanging(false);
          setMoved(
            `Your booking is moved to ${longTimeRange(after.start_time, after.end_time, salon.time_zone)} with ${after.stylist}. The reference stays the same; add it to your calendar again to update it.`,
          );
        }}
        onClose={() => setChanging(false)}
      />
    );
  }
  return (
    <section className="panel" aria-labelledby="manage-heading">
      <h2 id="manage-heading">Booking {booking.reference}</h2>
      <p className="notice" data-kind={booking.status === 'confirmed' ? 'ok' : 'error'} role="status">
        {booking.status === 'confirmed' ? 'Confirmed' : 'Cancelled'}
      </p>
      {moved && (
        <p className="notice" data-kind="ok" role="status" data-testid="moved">
          {moved}
        </p>
      )}
      <BookingFacts booking={booking} zone={salon.time_zone} />
      {error && (
        <p className="notice" data-kind="error" role="alert">
          {error}
        </p>
      )}
      <div className="actions">
        {booking.status === 'confirmed' && (
          <a
            className="btn quiet"
            href={calendarLink({ ...booking, manage_token: token || booking.manage_token })}
            download
          >
            Add to calendar
          </a>
        )}
        {cancellable && !confirming && (
          <button
            type="button"
            className="btn quiet"
            onClick={() => {
              setMoved(undefined);
              setChanging(true);
            }}
          >
            Change time
          </button>
        )}
        {cancellable && !confirming && (
          <button type="button" className="btn danger" onClick={() => setConfirming(true)}>
            Cancel booking
          </button>
        )}
        {confirming && (
          <>
            <button type="button" className="btn danger" onClick={() => void cancel()}>
              Yes, cancel it
            </button>
            <button type="button" className="btn quiet" onClick={() => setConfirming(false)}>
              Keep it
            </button>
          </>
        )}
      </div>
      {booking.status === 'confirmed' && !cancellable && (
        <p className="hint">Online changes and cancellation have closed for this booking; please call the salon.</p>
      )}
    </section>
  );
};
