// A line of feedback under a form: what worked (a status) or what did not (an alert).

export type NoticeText = { kind: 'ok' | 'error'; text: string };

export const Notice = ({ notice }: { notice: NoticeText | undefined }) => (
  <div aria-live="polite">
    {notice && (
      <p className="notice" data-kind={notice.kind} role={notice.kind === 'error' ? 'alert' : 'status'}>
        {notice.text}
      </p>
    )}
  </div>
);

/** The password rules the server applies, said before anyone trips over them. */
export const PASSWORD_HINT = 'At least 12 characters; not a common password, and not your email or name.';
