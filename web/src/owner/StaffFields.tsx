import type { Role } from './staff.ts';
import { TextField } from './TextField.tsx';

// Fields the invite form and the change-an-account form share, so both ask the same way.
// Each takes the form's `useId()` prefix: two forms can be on the page at once.

/**
 * The role and, for a stylist, their column. The column decides what a stylist sees and
 * changes, so it is offered from the schedule's and must be spelled as it is there; a name
 * not yet in the schedule can be typed.
 */
export const RoleFields = ({
  id,
  labels,
  role,
  onRole,
  stylist,
  onStylist,
  stylists,
}: {
  id: string;
  /** How each role reads in the list: the invite form explains them, a change does not. */
  labels: Record<Role, string>;
  role: Role;
  onRole: (role: Role) => void;
  stylist: string;
  onStylist: (stylist: string) => void;
  /** The schedule's columns. */
  stylists: string[];
}) => (
  <>
    <div className="field">
      <label htmlFor={`${id}-role`}>Role</label>
      <select id={`${id}-role`} value={role} onChange={(e) => onRole(e.target.value as Role)}>
        <option value="stylist">{labels.stylist}</option>
        <option value="owner">{labels.owner}</option>
      </select>
    </div>
    {role === 'stylist' && (
      <>
        <TextField
          id={`${id}-stylist`}
          label="Stylist column"
          required
          list={`${id}-stylist-list`}
          value={stylist}
          onChange={onStylist}
          hint={
            <>
              Their column in the schedule, spelled as it is there{stylists.length > 0 && ` (${stylists.join(', ')})`}.
            </>
          }
        />
        <datalist id={`${id}-stylist-list`}>
          {stylists.map((s) => (
            <option key={s} value={s} />
          ))}
        </datalist>
      </>
    )}
  </>
);
