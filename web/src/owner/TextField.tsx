import type { InputHTMLAttributes, ReactNode } from 'react';

// The console's labelled input, written once so every form ties its label and hint to the
// input the same way: people, screen readers and the browser tests find a field by its
// label, and a hint is read out with the field rather than left floating beside it.

type Props = Omit<InputHTMLAttributes<HTMLInputElement>, 'id' | 'value' | 'onChange' | 'children'> & {
  /** Unique on the page: a form that can appear twice builds it from `useId()`. */
  id: string;
  label: string;
  value: string | number;
  /** The text as typed (a number input's too): callers keep their own state type. */
  onChange: (value: string) => void;
  /** Said under the input; it becomes the input's description, as `${id}-hint`. */
  hint?: ReactNode;
};

export const TextField = ({ id, label, hint, onChange, ...input }: Props) => (
  <div className="field">
    <label htmlFor={id}>{label}</label>
    <input
      id={id}
      aria-describedby={hint === undefined ? undefined : `${id}-hint`}
      {...input}
      onChange={(e) => onChange(e.target.value)}
    />
    {hint !== undefined && (
      <span className="hint" id={`${id}-hint`}>
        {hint}
      </span>
    )}
  </div>
);
