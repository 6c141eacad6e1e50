import type { ReactNode } from 'react';

// One row of a console list (a service, an account, an invite, a session): the name, its
// tags and a line of detail on the left, its buttons on the right. `.menu-row` wraps, so on
// a phone the buttons drop below the name instead of squeezing it.

export const MenuRow = ({
  title,
  tags,
  sub,
  children,
}: {
  title: string;
  /** Small labels after the name ("you", "deactivated", "this browser"). */
  tags?: ReactNode;
  sub: ReactNode;
  /** The row's buttons; without any, no empty box is left to take a gap in the row. */
  children?: ReactNode;
}) => (
  <div className="menu-row">
    <div>
      <strong>{title}</strong>
      {tags}
      <div className="sub">{sub}</div>
    </div>
    {children ? <div className="actions">{children}</div> : null}
  </div>
);
