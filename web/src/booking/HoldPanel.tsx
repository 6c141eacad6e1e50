import { type FormEvent, useEffect, useRef, useState } from 'react';
import { type ApiFailure, api, type Booking, type HoldView, type Salon } from '../shared/api.ts';
import { clock, durationText, longTimeRange } from '../shared/time.ts';

// The appointment is yours for a few minutes: a countdown that screen readers hear at sensible
// moments (not every second), and the short form that turns the hold into a booking.

const ANNOUNCE_AT = [120, 60, 30, 10];

export const HoldPanel = ({
  salon,
  hold,
  stylist,
  expiresAt,
  onBooked,
  onRelease,
  onExpired,
}: {
  salon: Salon;
  hold: HoldView;
  stylist: string;
  expiresAt: number;
  onBooked: (booking: Booking) => void;
  onRelease: () => void;
  onExpired: () => void;
}) => {
  const [now, setNow] = useState(() => Date.now());
  const [name, setName] = useState('');
  const [phone, setPhone] = useState('');
  const [email, setEmail] = useState('');
  const [error, setError] = useState<string>();
  const [sending, setSending] = useState(false);
  const left = Math.max(0, (expiresAt - now) / 1_000);
  const whole = Math.ceil(left);

  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(timer);
  }, []);
  useEffect(() => {
    if (left <= 0 && !sending) onExpired();
  }, [left, sending, onExpired]);

  // Focused once per hold (not per render: the countdown renders four times a second).
  const heading = useRef<HTMLHeadingElement>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new hold is the trigger
  useEffect(() => heading.current?.focus(), [hold.expires_at]);

  const announce = ANNOUNCE_AT.find((s) => whole <= s && whole > s - 1);

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setError(undefined);
    if (phone.trim() === '' && email.trim() === '') {
      setError('Please give a phone number or an email so the salon can reach you.');
      return;
    }
    setSending(true);
    try {
      const customer = {
        name: name.trim(),
        ...(phone.trim() && { phone: phone.trim() }),
        ...(email.trim() && { email: email.trim() }),
      };
      const reply = await api<{ booking: Booking }>('POST', `/api/timeslots/${hold.slot_ids[0]}/book`, { customer });
      onBooked(reply.booking);
    } catch (failure) {
      const { code, message } = failure as ApiFailure;
      if (code === 'hold_expired' || code === 'no_hold' || code === 'not_your_hold') onExpired();
      else setError(message);
    } finally {
      setSending(false);
    }
  };

  const fraction = Math.min(1, left / salon.hold_seconds);
  return (
    <section className="panel" aria-labelledby="hold-heading">
      {/* Focused when it appears: on a phone the time was tapped far below this panel. */}
      <h2 id="hold-heading" tabIndex={-1} ref={heading}>
        Held for you: {hold.service_name ?? 'your appointment'}
      </h2>
      <dl className="facts">
        {hold.service_name && (
          <>
            <dt>Service</dt>
            <dd data-testid="hold-service">
              {hold.service_name}
              {hold.duration_minutes !== undefined && ` · ${durationText(hold.duration_minutes)}`}
            </dd>
          </>
        )}
        <dt>When</dt>
        <dd data-testid="hold-when">{longTimeRange(hold.start_time, hold.end_time, salon.time_zone)}</dd>
        <dt>With</dt>
        <dd>{stylist}</dd>
      </dl>
      <div className="countdown">
        <span className="left" role="timer" aria-label="Time left to confirm" data-testid="countdown">
          {clock(left)}
        </span>
        <div
          className="bar"
          role="progressbar"
          aria-label="Hold time remaining"
          aria-valuemin={0}
          aria-valuemax={salon.hold_seconds}
          aria-valuenow={whole}
          data-low={left <= 30}
        >
          <span style={{ width: `${fraction * 100}%` }} />
        </div>
      </div>
      {/* Seen, not only heard: the last 30 seconds say so in words, not just in the bar's colour. */}
      {left > 0 && left <= 30 && (
        <p className="hold-warning" data-testid="hold-warning">
          <strong>Less than 30 seconds left:</strong> confirm now, or the time goes back to others.
        </p>
      )}
      <p className="visually-hidden" aria-live="polite">
        {announce !== undefined ? `${clock(announce)} left to confirm your booking` : ''}
      </p>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <div className="field">
          <label htmlFor="name">Your name</label>
          <input
            id="name"
            autoComplete="name"
            required
            maxLength={100}
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="phone">Phone</label>
          <input
            id="phone"
            type="tel"
            autoComplete="tel"
            inputMode="tel"
            value={phone}
            onChange={(e) => setPhone(e.target.value)}
            aria-describedby="contact-hint"
          />
        </div>
        <div className="field">
          <label htmlFor="email">Email</label>
          <input
            id="email"
            type="email"
            autoComplete="email"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            aria-describedby="contact-hint"
          />
          <span id="contact-hint" className="hint">
            A phone number or an email, so the salon can reach you.
          </span>
        </div>
        <div aria-live="assertive">
          {error && (
            <p className="notice" data-kind="error" role="alert">
              {error}
            </p>
          )}
        </div>
        <div className="actions">
          <button type="submit" className="btn primary" disabled={sending || name.trim() === ''}>
            {sending ? 'Booking…' : 'Confirm booking'}
          </button>
          <button type="button" className="btn quiet" onClick={onRelease} disabled={sending}>
            Release this time
          </button>
        </div>
      </form>
    </section>
  );
};
