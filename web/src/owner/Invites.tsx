import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import type { ApiFailure } from '../shared/api.ts';
import { longDateTime } from '../shared/time.ts';
import { MenuRow } from './MenuRow.tsx';
import { Notice, type NoticeText } from './Notice.tsx';
import { type Invite, ownerApi } from './ownerApi.ts';
import { RoleFields } from './StaffFields.tsx';
import { type Act, type Issued, type Role, roleText } from './staff.ts';
import { TextField } from './TextField.tsx';

// Bringing someone in: the form to invite them, the one-time link it (or a password reset)
// gives back, and the invites not yet used, each of which can be withdrawn. The server keeps
// only a hash of a link, so it can be shown once, now; the owner sends it themselves.

export const PendingInvites = ({ invites, zone, act }: { invites: Invite[]; zone: string; act: Act }) =>
  invites.length === 0 ? (
    <p className="empty">None.</p>
  ) : (
    <ul className="menu" aria-label="Pending invites">
      {invites.map((invite) => (
        <li key={invite.id} data-invite-id={invite.id}>
          <MenuRow
            title={invite.name}
            sub={
              <>
                {invite.email} · {roleText(invite.role, invite.stylist)} · until {longDateTime(invite.expires_at, zone)}
              </>
            }
          >
            <button
              type="button"
              className="btn quiet"
              aria-label={`Withdraw invite for ${invite.name}`}
              onClick={() =>
                void act(
                  () => ownerApi('POST', `/api/admin/staff/invites/${encodeURIComponent(invite.id)}/withdraw`),
                  `The invite for ${invite.name} no longer works.`,
                )
              }
            >
              Withdraw
            </button>
          </MenuRow>
        </li>
      ))}
    </ul>
  );

/** A one-time link just issued: shown once, with a copy button and who to send it to. */
export const IssuedLink = ({ issued, zone, onDone }: { issued: Issued; zone: string; onDone: () => void }) => {
  const [copied, setCopied] = useState<boolean>();
  const panel = useRef<HTMLElement>(null);
  // On a phone the panel is below the lists: bring the new link into view.
  // biome-ignore lint/correctness/useExhaustiveDependencies: each new link is the trigger
  useEffect(() => {
    setCopied(undefined);
    panel.current?.scrollIntoView({ block: 'nearest' });
  }, [issued.link]);
  // The clipboard can be refused (an insecure origin, a denied permission): say so, and the
  // link stays selectable in its box.
  const copy = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(issued.link);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };
  return (
    <section className="panel" aria-labelledby="issued-heading" data-testid="issued" ref={panel}>
      <h2 id="issued-heading">
        {issued.purpose === 'invite' ? `Invite for ${issued.name}` : `Reset link for ${issued.name}`}
      </h2>
      <p>
        Send this link to {issued.name} yourself (a text or an email). It works once, until{' '}
        {longDateTime(issued.expires_at, zone)}, and is shown only now.
      </p>
      <div className="link-box">
        <input
          aria-label={issued.purpose === 'invite' ? 'Invite link' : 'Reset link'}
          data-testid="issued-link"
          className="link-input"
          readOnly
          value={issued.link}
          onFocus={(e) => e.target.select()}
        />
        <button type="button" className="btn primary" onClick={() => void copy()}>
          Copy link
        </button>
      </div>
      {copied !== undefined && (
        <p className="hint" role="status">
          {copied ? 'Copied.' : 'Could not copy: select the link and copy it by hand.'}
        </p>
      )}
      <div className="actions">
        <button type="button" className="btn quiet" onClick={onDone}>
          Done
        </button>
      </div>
    </section>
  );
};

/** Its own notice, beside the form: a refusal (an email already in use, say) keeps what was typed. */
export const InviteForm = ({ stylists, onInvited }: { stylists: string[]; onInvited: (issued: Issued) => void }) => {
  const id = useId();
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('stylist');
  const [stylist, setStylist] = useState('');
  const [notice, setNotice] = useState<NoticeText>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setNotice(undefined);
    setBusy(true);
    try {
      const reply = await ownerApi<{ invite: Invite; link: string; expires_at: string }>(
        'POST',
        '/api/admin/staff/invites',
        {
          name: name.trim(),
          email: email.trim(),
          role,
          ...(role === 'stylist' && { stylist: stylist.trim() }),
        },
      );
      onInvited({ purpose: 'invite', name: reply.invite.name, link: reply.link, expires_at: reply.expires_at });
      setName('');
      setEmail('');
      setStylist('');
    } catch (failure) {
      setNotice({ kind: 'error', text: (failure as ApiFailure).message });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="panel" aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>Invite someone</h2>
      <form onSubmit={(e) => void submit(e)} aria-label="Invite someone">
        <TextField id={`${id}-name`} label="Name" required value={name} onChange={setName} />
        <TextField id={`${id}-email`} label="Email" type="email" required value={email} onChange={setEmail} />
        <RoleFields
          id={id}
          labels={{ stylist: 'Stylist: their own column only', owner: 'Owner: everything' }}
          role={role}
          onRole={setRole}
          stylist={stylist}
          onStylist={setStylist}
          stylists={stylists}
        />
        <Notice notice={notice} />
        <div className="actions">
          <button type="submit" className="btn primary" disabled={busy}>
            Invite
          </button>
        </div>
      </form>
    </section>
  );
};
