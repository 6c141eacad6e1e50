import { type FormEvent, useEffect, useState } from 'react';
import { type ApiFailure, api } from '../shared/api.ts';
import { longDateTime } from '../shared/time.ts';
import { Notice, type NoticeText, PASSWORD_HINT } from './Notice.tsx';
import type { Account, Me } from './ownerApi.ts';
import { TextField } from './TextField.tsx';

// The ways into the console: signing in with email and password; the first owner's setup
// link (printed when the server first starts); an invite or password-reset link the owner
// sent. Each ends signed in (the server sets an HttpOnly session cookie the page never sees).

type SignedIn = { account: Account };

const failureText = (failure: unknown): string => (failure as ApiFailure).message;

export const SignIn = ({ onSignedIn }: { onSignedIn: () => void }) => {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [notice, setNotice] = useState<NoticeText>();
  const [busy, setBusy] = useState(false);
  const [setupNeeded, setSetupNeeded] = useState(false);

  useEffect(() => {
    api<{ needed: boolean }>('GET', '/api/auth/setup').then(
      (reply) => setSetupNeeded(reply.needed),
      () => undefined,
    );
  }, []);

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setNotice(undefined);
    setBusy(true);
    try {
      await api<SignedIn>('POST', '/api/auth/login', { email: email.trim(), password });
      setPassword('');
      onSignedIn();
    } catch (failure) {
      const { status, retryAfter } = failure as ApiFailure;
      setNotice({
        kind: 'error',
        text:
          status === 401
            ? 'That email and password do not match an active account.'
            : status === 429
              ? `Too many wrong passwords. Wait ${retryAfter ?? 60} seconds and try again.`
              : failureText(failure),
      });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="panel narrow" aria-labelledby="signin-heading">
      <h2 id="signin-heading">Sign in</h2>
      {setupNeeded && (
        <p className="notice" data-testid="setup-needed">
          This salon has no account yet. Open the setup link printed when the server started (it is also in
          DATA_DIR/owner-setup-link on the server) to create the owner's account.
        </p>
      )}
      <form onSubmit={(e) => void submit(e)}>
        <TextField
          id="signin-email"
          label="Email"
          type="email"
          autoComplete="username"
          required
          value={email}
          onChange={setEmail}
        />
        <TextField
          id="signin-password"
          label="Password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={setPassword}
          hint="Forgot it? Ask the salon's owner for a password reset link."
        />
        <Notice notice={notice} />
        <div className="actions">
          <button type="submit" className="btn primary" disabled={busy || email.trim() === '' || password === ''}>
            Sign in
          </button>
        </div>
      </form>
    </section>
  );
};

/** /owner/setup?token=…: the first owner chooses their name, email and password. */
export const SetupPage = ({ token, onSignedIn }: { token: string; onSignedIn: () => void }) => {
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [notice, setNotice] = useState<NoticeText>();
  const [busy, setBusy] = useState(false);
  const [needed, setNeeded] = useState<boolean>();

  useEffect(() => {
    api<{ needed: boolean }>('GET', '/api/auth/setup').then(
      (reply) => setNeeded(reply.needed),
      () => setNeeded(true),
    );
  }, []);

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setNotice(undefined);
    setBusy(true);
    try {
      await api<SignedIn>('POST', '/api/auth/setup', { token, email: email.trim(), name: name.trim(), password });
      onSignedIn();
    } catch (failure) {
      const { code } = failure as ApiFailure;
      if (code === 'already_set_up') setNeeded(false);
      setNotice({
        kind: 'error',
        text:
          code === 'link_invalid'
            ? 'This setup link is not valid or has run out. Restart the app for a new one: it is printed at start and written to DATA_DIR/owner-setup-link.'
            : failureText(failure),
      });
    } finally {
      setBusy(false);
    }
  };

  if (needed === false) {
    return (
      <section className="panel narrow" aria-labelledby="setup-heading">
        <h2 id="setup-heading">Already set up</h2>
        <p>
          This salon already has an owner account, so the setup link no longer works. <a href="/owner">Sign in</a>{' '}
          instead, or ask the owner for an invite.
        </p>
      </section>
    );
  }
  return (
    <section className="panel narrow" aria-labelledby="setup-heading">
      <h2 id="setup-heading">Set up the salon's console</h2>
      <p className="hint">
        You are creating the owner's account: it can invite the rest of the staff. This link works once.
      </p>
      {token === '' && (
        <p className="notice" data-kind="error" role="alert">
          This link has no token: copy the whole setup link, up to the end.
        </p>
      )}
      <form onSubmit={(e) => void submit(e)}>
        <TextField id="setup-name" label="Name" autoComplete="name" required value={name} onChange={setName} />
        <TextField
          id="setup-email"
          label="Email"
          type="email"
          autoComplete="username"
          required
          value={email}
          onChange={setEmail}
        />
        <TextField
          id="setup-password"
          label="Password"
          type="password"
          autoComplete="new-password"
          required
          value={password}
          onChange={setPassword}
          hint={PASSWORD_HINT}
        />
        <Notice notice={notice} />
        <div className="actions">
          <button type="submit" className="btn primary" disabled={busy || token === ''}>
            Create owner account
          </button>
        </div>
      </form>
    </section>
  );
};

type LinkInfo = {
  purpose: 'invite' | 'reset';
  email: string;
  name: string;
  role: string;
  stylist: string | null;
  expires_at: string;
};

/** /owner/invite?token=… and /owner/reset?token=…: the person chooses their password. */
export const LinkPage = ({
  token,
  zone,
  onSignedIn,
}: {
  token: string;
  zone: string | undefined;
  onSignedIn: () => void;
}) => {
  const [info, setInfo] = useState<LinkInfo | null>();
  const [password, setPassword] = useState('');
  const [notice, setNotice] = useState<NoticeText>();
  const [busy, setBusy] = useState(false);
  // Someone already signed in on this browser (the owner opening a link meant for a new
  // stylist, say) would be signed out by setting this password: they are told first.
  const [signedInAs, setSignedInAs] = useState<Account>();

  useEffect(() => {
    if (token === '') {
      setInfo(null);
      return;
    }
    api<LinkInfo>('GET', `/api/auth/link?token=${encodeURIComponent(token)}`).then(setInfo, () => setInfo(null));
    api<Me>('GET', '/api/auth/me').then(
      (me) => setSignedInAs(me.account),
      () => setSignedInAs(undefined),
    );
  }, [token]);

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setNotice(undefined);
    setBusy(true);
    try {
      await api<SignedIn>('POST', '/api/auth/link', { token, password });
      onSignedIn();
    } catch (failure) {
      const { code } = failure as ApiFailure;
      if (code === 'link_invalid') setInfo(null);
      else setNotice({ kind: 'error', text: failureText(failure) });
    } finally {
      setBusy(false);
    }
  };

  if (info === undefined) return <p className="empty">Checking your link…</p>;
  if (info === null) {
    return (
      <section className="panel narrow" aria-labelledby="link-heading">
        <h2 id="link-heading">This link no longer works</h2>
        <p className="notice" data-kind="error" role="alert">
          It has been used, withdrawn, or has run out. Ask the salon's owner for a new one.
        </p>
        <p>
          Already have an account? <a href="/owner">Sign in</a>.
        </p>
      </section>
    );
  }
  const role = info.role === 'stylist' && info.stylist ? `stylist (column ${info.stylist})` : info.role;
  return (
    <section className="panel narrow" aria-labelledby="link-heading">
      {info.purpose === 'invite' ? (
        <>
          <h2 id="link-heading">
            Welcome, {info.name} — you are joining as {role}
          </h2>
          <p>Choose a password to finish setting up your account ({info.email}).</p>
        </>
      ) : (
        <>
          <h2 id="link-heading">Choose a new password</h2>
          <p>
            For {info.name} ({info.email}). Every other session of yours is signed out once it is set.
          </p>
        </>
      )}
      {signedInAs !== undefined && signedInAs.email !== info.email && (
        <p className="notice" data-testid="someone-signed-in">
          {signedInAs.name} is signed in on this browser. Setting this password signs {info.name} in here instead: if
          this link is for someone else, send it to them rather than using it yourself.
        </p>
      )}
      <form onSubmit={(e) => void submit(e)}>
        {/* For password managers: the account this password belongs to. */}
        <input type="email" autoComplete="username" value={info.email} readOnly hidden />
        <TextField
          id="link-password"
          label="Password"
          type="password"
          autoComplete="new-password"
          required
          value={password}
          onChange={setPassword}
          hint={
            <>
              {PASSWORD_HINT}
              {zone && ` This link works until ${longDateTime(info.expires_at, zone)}.`}
            </>
          }
        />
        <Notice notice={notice} />
        <div className="actions">
          <button type="submit" className="btn primary" disabled={busy}>
            Set password
          </button>
        </div>
      </form>
    </section>
  );
};
