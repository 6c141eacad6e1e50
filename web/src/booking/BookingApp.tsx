import { useEffect, useState } from 'react';
import { api, type Salon } from '../shared/api.ts';
import { BookingFlow } from './BookingFlow.tsx';
import { ManageBooking } from './ManageBooking.tsx';

// The client's page: book (/) or look after a booking (/manage/<ref>?token=…).
export const BookingApp = () => {
  const [salon, setSalon] = useState<Salon>();
  const [failed, setFailed] = useState<string>();
  useEffect(() => {
    // The first request also gives this browser its session cookie, before the live stream opens.
    api<Salon>('GET', '/api/salon').then(setSalon, (error: Error) => setFailed(error.message));
  }, []);
  const manage = /^\/manage\/([^/]+)$/.exec(window.location.pathname);

  return (
    <>
      <header className="masthead">
        <div className="inner">
          <div>
            <h1>{salon?.name ?? 'Book an appointment'}</h1>
            <p>{manage ? 'Your booking' : 'Pick a time that suits you'}</p>
          </div>
        </div>
      </header>
      <main className="page">
        {failed && (
          <p className="notice" data-kind="error" role="alert">
            Booking is unavailable right now: {failed}
          </p>
        )}
        {salon &&
          (manage ? (
            <ManageBooking salon={salon} reference={decodeURIComponent(manage[1] ?? '')} />
          ) : (
            <BookingFlow salon={salon} />
          ))}
      </main>
    </>
  );
};
