import { type FormEvent, useEffect, useState } from 'react';
import { type ApiFailure, api, type Salon } from '../shared/api.ts';
import { DayBoard } from './DayBoard.tsx';
import { Messages } from './Messages.tsx';
import { ownerApi, savedToken, saveToken } from './ownerApi.ts';
import { ServicesPanel } from './ServicesPanel.tsx';
import { TemplateForm } from './TemplateForm.tsx';

// The salon's console: sign in with the owner token, then the day's board (bookings,
// live holds, history and replay), the menu of services, or the schedule form.

const today = (zone: string): string =>
  new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    new Date(),
  );

type Tab = 'day' | 'services' | 'messages' | 'schedule';
const TABS: Array<[Tab, string]> = [
  ['day', 'Day'],
  ['services', 'Services'],
  ['messages', 'Messages'],
  ['schedule', 'Schedule'],
];

export const OwnerApp = () => {
  const [salon, setSalon] = useState<Salon>();
  const [token, setToken] = useState<string | null>(savedToken);
  const [tab, setTab] = useState<Tab>('day');
  const [date, setDate] = useState<string>();

  useEffect(() => {
    api<Salon>('GET', '/api/salon').then((s) => {
      setSalon(s);
      setDate((d) => d ?? today(s.time_zone));
    });
  }, []);

  const signOut = (): void => {
    saveToken(null);
    setToken(null);
  };

  return (
    <>
      <header className="masthead">
        <div className="inner">
          <div>
            <h1>{salon?.name ?? 'Salon'} · console</h1>
            <p>Bookings, holds and the history of every slot</p>
          </div>
          {token && (
            <button
              type="button"
              className="btn quiet"
              style={{ color: '#fff', borderColor: '#ffffff55' }}
              onClick={signOut}
            >
              Sign out
            </button>
          )}
        </div>
      </header>
      <main className="page wide">
        {!token || !salon || !date ? (
          <SignIn
            onSignedIn={(t) => {
              saveToken(t);
              setToken(t);
            }}
          />
        ) : (
          <>
            <div className="toolbar">
              <div className="tabs" role="tablist" aria-label="Console sections">
                {TABS.map(([id, label]) => (
                  <button
                    key={id}
                    type="button"
                    role="tab"
                    className="chip"
                    aria-selected={tab === id}
                    onClick={() => setTab(id)}
                  >
                    {label}
                  </button>
                ))}
              </div>
              {tab === 'day' && (
                <div className="field">
                  <label htmlFor="day">Date</label>
                  <input
                    id="day"
                    type="date"
                    value={date}
                    onChange={(e) => e.target.value && setDate(e.target.value)}
                  />
                </div>
              )}
            </div>
            {tab === 'day' && <DayBoard token={token} salon={salon} date={date} onUnauthorised={signOut} />}
            {tab === 'services' && <ServicesPanel token={token} salon={salon} onUnauthorised={signOut} />}
            {tab === 'messages' && (
              <section className="panel">
                <Messages
                  token={token}
                  zone={salon.time_zone}
                  query="status=failed"
                  title="Messages that could not be sent"
                  onUnauthorised={signOut}
                />
              </section>
            )}
            {tab === 'schedule' && <TemplateForm token={token} salon={salon} />}
          </>
        )}
      </main>
    </>
  );
};

const SignIn = ({ onSignedIn }: { onSignedIn: (token: string) => void }) => {
  const [value, setValue] = useState('');
  const [error, setError] = useState<string>();
  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setError(undefined);
    try {
      await ownerApi(value.trim(), 'GET', '/api/admin/holds');
      onSignedIn(value.trim());
    } catch (failure) {
      const { status, message } = failure as ApiFailure;
      setError(status === 401 ? 'That token is not right. It was printed when the server first started.' : message);
    }
  };
  return (
    <section className="panel" aria-labelledby="signin-heading" style={{ maxWidth: 460 }}>
      <h2 id="signin-heading">Sign in</h2>
      <form onSubmit={(e) => void submit(e)}>
        <div className="field">
          <label htmlFor="token">Owner token</label>
          <input
            id="token"
            type="password"
            autoComplete="current-password"
            value={value}
            onChange={(e) => setValue(e.target.value)}
          />
          <span className="hint">Printed once at first start; also in DATA_DIR/owner-token on the server.</span>
        </div>
        {error && (
          <p className="notice" data-kind="error" role="alert">
            {error}
          </p>
        )}
        <div className="actions">
          <button type="submit" className="btn primary" disabled={value.trim() === ''}>
            Sign in
          </button>
        </div>
      </form>
    </section>
  );
};
