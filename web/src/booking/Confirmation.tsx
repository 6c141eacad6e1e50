import type { Booking, Salon } from '../shared/api.ts';
import { durationText, longDateTime, longTimeRange } from '../shared/time.ts';

// Booked. The reference is what the client reads out on the phone; the manage link (with
// its private token) is what lets them cancel from any device.

export const manageLink = (booking: Booking): string =>
  `${window.location.origin}/manage/${encodeURIComponent(booking.reference)}?token=${encodeURIComponent(booking.manage_token ?? '')}`;

export const calendarLink = (booking: Booking): string =>
  `/api/bookings/${encodeURIComponent(booking.reference)}/calendar.ics?token=${encodeURIComponent(booking.manage_token ?? '')}`;

/** What, when, with whom, for whom: the same facts wherever a booking is shown. */
export const BookingFacts = ({ booking, zone }: { booking: Booking; zone: string }) => (
  <dl className="facts">
    {booking.service_name && (
      <>
        <dt>Service</dt>
        <dd data-testid="booking-service">
          {booking.service_name}
          {booking.duration_minutes !== undefined && ` · ${durationText(booking.duration_minutes)}`}
        </dd>
      </>
    )}
    <dt>When</dt>
    <dd data-testid="booking-when">{longTimeRange(booking.start_time, booking.end_time, zone)}</dd>
    <dt>With</dt>
    <dd>{booking.stylist}</dd>
    <dt>Name</dt>
    <dd>{booking.customer.name}</dd>
  </dl>
);

export const Confirmation = ({ booking, salon, onAgain }: { booking: Booking; salon: Salon; onAgain: () => void }) => (
  <section className="panel" aria-labelledby="done-heading">
    <h2 id="done-heading" tabIndex={-1} ref={(el) => el?.focus()}>
      You are booked in
    </h2>
    <p>Your booking reference</p>
    <p className="reference" data-testid="reference">
      {booking.reference}
    </p>
    <BookingFacts booking={booking} zone={salon.time_zone} />
    <div className="actions">
      <a className="btn primary" href={calendarLink(booking)} download>
        Add to calendar
      </a>
      <a className="btn quiet" href={manageLink(booking)}>
        View, change or cancel
      </a>
    </div>
    <p className="hint">
      Keep the “View, change or cancel” link: it is private to you. You can change or cancel online until{' '}
      {longDateTime(booking.cancellable_until, salon.time_zone)}.
    </p>
    <div className="actions">
      <button type="button" className="btn quiet" onClick={onAgain}>
        Book another time
      </button>
    </div>
  </section>
);
