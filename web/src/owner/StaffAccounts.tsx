import { type FormEvent, useId, useState } from 'react';
import { MenuRow } from './MenuRow.tsx';
import { type Account, ownerApi } from './ownerApi.ts';
import { RoleFields } from './StaffFields.tsx';
import { type Act, type Issued, type Role, roleText } from './staff.ts';
import { TextField } from './TextField.tsx';

// Everyone with an account, and what the owner can do to each: change the name, role or
// column (in place, one account at a time), deactivate (signed out everywhere at once; the
// account and its history stay) or reactivate, and issue a password-reset link. The server
// sends no email: a reset link, like an invite, is shown once for the owner to pass on.

/** An account's address on the staff API, or one of its actions'. */
const accountPath = (account: Account, action?: string): string =>
  `/api/admin/staff/${encodeURIComponent(account.id)}${action ? `/${action}` : ''}`;

export const AccountList = ({
  accounts,
  me,
  stylists,
  act,
  onIssued,
}: {
  accounts: Account[];
  me: Account;
  stylists: string[];
  act: Act;
  onIssued: (issued: Issued) => void;
}) => {
  const [editing, setEditing] = useState<string>();
  return (
    <ul className="menu" aria-label="Staff accounts">
      {accounts.map((account) => (
        <li key={account.id} data-account-id={account.id} data-active={account.active}>
          {editing === account.id ? (
            <AccountForm
              account={account}
              stylists={stylists}
              onCancel={() => setEditing(undefined)}
              onSave={async (change) => {
                const ok = await act(
                  () => ownerApi('PATCH', accountPath(account), change),
                  `${change.name ?? account.name} saved.`,
                );
                if (ok) setEditing(undefined);
              }}
            />
          ) : (
            <AccountRow
              account={account}
              you={account.id === me.id}
              act={act}
              onEdit={() => setEditing(account.id)}
              onIssued={onIssued}
            />
          )}
        </li>
      ))}
    </ul>
  );
};

const AccountRow = ({
  account,
  you,
  act,
  onEdit,
  onIssued,
}: {
  account: Account;
  you: boolean;
  act: Act;
  onEdit: () => void;
  onIssued: (issued: Issued) => void;
}) => {
  const { name } = account;
  const deactivate = (): void => {
    // Deactivating ends their sessions at once, so it is asked first; reactivating is not.
    if (window.confirm(`Deactivate ${name}? They are signed out everywhere now.`))
      void act(() => ownerApi('POST', accountPath(account, 'deactivate')), `${name} can no longer sign in.`);
  };
  const reactivate = (): void =>
    void act(() => ownerApi('POST', accountPath(account, 'reactivate')), `${name} can sign in again.`);
  // No notice for a reset link: the link itself is shown, beside the lists.
  const resetLink = (): void =>
    void act(async () => {
      const reply = await ownerApi<{ link: string; expires_at: string }>('POST', accountPath(account, 'reset-link'));
      onIssued({ purpose: 'reset', name, ...reply });
    });
  return (
    <MenuRow
      title={name}
      tags={
        <>
          {you && <span className="tag">you</span>}
          {!account.active && <span className="tag">deactivated</span>}
        </>
      }
      sub={
        <>
          {account.email} · {roleText(account.role, account.stylist)}
        </>
      }
    >
      <button type="button" className="btn quiet" aria-label={`Change ${name}`} onClick={onEdit}>
        Change
      </button>
      {account.active ? (
        <button type="button" className="btn danger" aria-label={`Deactivate ${name}`} onClick={deactivate}>
          Deactivate
        </button>
      ) : (
        <button type="button" className="btn quiet" aria-label={`Reactivate ${name}`} onClick={reactivate}>
          Reactivate
        </button>
      )}
      {account.active && (
        <button type="button" className="btn quiet" aria-label={`Password reset link for ${name}`} onClick={resetLink}>
          Password reset link
        </button>
      )}
    </MenuRow>
  );
};

/** Changes only what was changed: the server records each change, and who made it. */
const AccountForm = ({
  account,
  stylists,
  onSave,
  onCancel,
}: {
  account: Account;
  stylists: string[];
  onSave: (change: { name?: string; role?: Role; stylist?: string }) => Promise<void>;
  onCancel: () => void;
}) => {
  const id = useId();
  const [name, setName] = useState(account.name);
  const [role, setRole] = useState<Role>(account.role);
  const [stylist, setStylist] = useState(account.stylist ?? '');
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    void onSave({
      ...(name.trim() !== account.name && { name: name.trim() }),
      ...(role !== account.role && { role }),
      ...(role === 'stylist' && stylist.trim() !== (account.stylist ?? '') && { stylist: stylist.trim() }),
    });
  };
  return (
    <form onSubmit={submit} aria-label={`Change ${account.name}`}>
      <TextField id={`${id}-name`} label="Name" required value={name} onChange={setName} />
      <RoleFields
        id={id}
        labels={{ stylist: 'Stylist', owner: 'Owner' }}
        role={role}
        onRole={setRole}
        stylist={stylist}
        onStylist={setStylist}
        stylists={stylists}
      />
      <div className="actions">
        <button type="submit" className="btn primary">
          Save
        </button>
        <button type="button" className="btn quiet" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
};
