import { useCallback, useEffect, useState } from 'react';
import { type ApiFailure, api, type Salon } from '../shared/api.ts';
import { dayOf } from '../shared/time.ts';
import { AccountPanel } from './AccountPanel.tsx';
import { LinkPage, SetupPage, SignIn } from './AuthPages.tsx';
import { DayBoard } from './DayBoard.tsx';
import { Messages } from './Messages.tsx';
import { type Me, onUnauthorised } from './ownerApi.ts';
import { ServicesPanel } from './ServicesPanel.tsx';
import { StaffPanel } from './StaffPanel.tsx';
import { TemplateForm } from './TemplateForm.tsx';
import { TextField } from './TextField.tsx';
import { TimeOffPanel } from './TimeOff.tsx';

// The salon's console. Staff sign in with email and password (the server keeps the session
// in an HttpOnly cookie); the first owner arrives by the setup link, everyone else by an
// invite, and a forgotten password by a reset link. What the console shows depends on the
// role: the owner runs the salon (the day's board, services, messages, the schedule, time
// off, staff); a stylist sees their own column of the day and their time off.

type Tab = 'day' | 'services' | 'messages' | 'schedule' | 'timeoff' | 'staff' | 'account';
const TABS: Record<Me['account']['role'], Array<[Tab, string]>> = {
  owner: [
    ['day', 'Day'],
    ['services', 'Services'],
    ['messages', 'Messages'],
    ['schedule', 'Schedule'],
    ['timeoff', 'Time off'],
    ['staff', 'Staff'],
    ['account', 'Account'],
  ],
  stylist: [
    ['day', 'Day'],
    ['timeoff', 'Time off'],
    ['account', 'Account'],
  ],
};

type Page = { kind: 'console' } | { kind: 'setup'; token: string } | { kind: 'link'; token: string };

/** Which page this address is: /owner, /owner/setup?token=…, /owner/invite?token=… or /owner/reset?token=…. */
const pageHere = (): Page => {
  const path = window.location.pathname.replace(/\/+$/, '');
  const token = new URLSearchParams(window.location.search).get('token') ?? '';
  if (path === '/owner/setup') return { kind: 'setup', token };
  if (path === '/owner/invite' || path === '/owner/reset') return { kind: 'link', token };
  return { kind: 'console' };
};

export const OwnerApp = () => {
  const [salon, setSalon] = useState<Salon>();
  const [page, setPage] = useState<Page>(pageHere);
  /** Who is signed in: undefined while asking, null when nobody is. */
  const [me, setMe] = useState<Me | null>();
  const [tab, setTab] = useState<Tab>('day');
  const [date, setDate] = useState<string>();
  const [failure, setFailure] = useState<string>();

  useEffect(() => {
    api<Salon>('GET', '/api/salon').then(
      (s) => {
        setSalon(s);
        setDate((d) => d ?? dayOf(new Date().toISOString(), s.time_zone));
      },
      (error: unknown) => setFailure((error as ApiFailure).message),
    );
  }, []);

  const whoAmI = useCallback((): void => {
    api<Me>('GET', '/api/auth/me').then(setMe, (error: unknown) => {
      if ((error as ApiFailure).status === 401) setMe(null);
      else setFailure((error as ApiFailure).message);
    });
  }, []);

  // The setup and link pages need no session; the console asks who is signed in.
  useEffect(() => {
    if (page.kind === 'console') whoAmI();
  }, [page.kind, whoAmI]);

  /** Back to the sign-in form (the session ended, or this browser signed out). */
  const signedOut = useCallback((): void => {
    setMe(null);
    setTab('day');
  }, []);
  useEffect(() => onUnauthorised(signedOut), [signedOut]);

  /** Signed in from a form: the address becomes the console's (the link's token leaves the bar). */
  const signedIn = (): void => {
    if (window.location.pathname !== '/owner') window.history.replaceState(null, '', '/owner');
    setTab('day');
    setMe(undefined);
    if (page.kind === 'console') whoAmI();
    else setPage({ kind: 'console' }); // which asks who is signed in
  };

  const signOut = async (): Promise<void> => {
    try {
      await api('POST', '/api/auth/logout', {});
    } catch {
      // Signed out here regardless; the session runs out on its own.
    }
    signedOut();
  };

  const account = me?.account;
  const tabs = account === undefined ? [] : TABS[account.role];
  const shown = tabs.some(([id]) => id === tab) ? tab : 'day';
  return (
    <>
      <header className="masthead">
        <div className="inner">
          <div>
            <h1>{salon?.name ?? 'Salon'} · console</h1>
            <p>
              {account ? (
                <span data-testid="signed-in-as">
                  {account.name} · {account.role}
                </span>
              ) : (
                'Bookings, holds and the history of every slot'
              )}
            </p>
          </div>
          {account && page.kind === 'console' && (
            <button
              type="button"
              className="btn quiet"
              style={{ color: '#fff', borderColor: '#ffffff55' }}
              onClick={() => void signOut()}
            >
              Sign out
            </button>
          )}
        </div>
      </header>
      <main className="page wide">
        {failure && (
          <p className="notice" data-kind="error" role="alert">
            {failure}
          </p>
        )}
        {page.kind === 'setup' ? (
          <SetupPage token={page.token} onSignedIn={signedIn} />
        ) : page.kind === 'link' ? (
          <LinkPage token={page.token} zone={salon?.time_zone} onSignedIn={signedIn} />
        ) : me === null ? (
          <SignIn onSignedIn={signedIn} />
        ) : me === undefined || account === undefined || !salon || !date ? (
          <p className="empty">Loading…</p>
        ) : (
          <>
            <div className="toolbar">
              <div className="tabs" role="tablist" aria-label="Console sections">
                {tabs.map(([id, label]) => (
                  <button
                    key={id}
                    type="button"
                    role="tab"
                    className="chip"
                    aria-selected={shown === id}
                    onClick={() => setTab(id)}
                  >
                    {label}
                  </button>
                ))}
              </div>
              {shown === 'day' && (
                <TextField id="day" label="Date" type="date" value={date} onChange={(v) => v && setDate(v)} />
              )}
            </div>
            {shown === 'day' && (
              <DayBoard
                salon={salon}
                date={date}
                stylist={account.role === 'stylist' ? (account.stylist ?? '') : undefined}
                onUnauthorised={signedOut}
              />
            )}
            {shown === 'services' && <ServicesPanel salon={salon} onUnauthorised={signedOut} />}
            {shown === 'messages' && (
              <section className="panel">
                <Messages
                  zone={salon.time_zone}
                  query="status=failed"
                  title="Messages that could not be sent"
                  onUnauthorised={signedOut}
                />
              </section>
            )}
            {shown === 'schedule' && <TemplateForm salon={salon} />}
            {shown === 'timeoff' && <TimeOffPanel salon={salon} me={account} />}
            {shown === 'staff' && <StaffPanel salon={salon} me={account} onSignedOut={signedOut} />}
            {shown === 'account' && <AccountPanel me={me} zone={salon.time_zone} onUnauthorised={signedOut} />}
          </>
        )}
      </main>
    </>
  );
};
