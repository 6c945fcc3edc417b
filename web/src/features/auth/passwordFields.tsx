import { MIN_PASSWORD_LENGTH } from '../../sdk/account';
import { Field } from '../../ui/components';

/** New password + confirmation, with the client-side rule shown up front (the server never sees the password). */
export function NewPasswordFields(props: {
  idPrefix: string;
  label?: string;
  password: string;
  confirm: string;
  onPassword: (v: string) => void;
  onConfirm: (v: string) => void;
  error?: string | null;
}) {
  const label = props.label ?? 'Password';
  const pwId = `${props.idPrefix}-password`;
  const confirmId = `${props.idPrefix}-confirm`;
  const mismatch = props.confirm.length > 0 && props.password !== props.confirm;
  return (
    <>
      <Field id={pwId} label={label} hint={`At least ${MIN_PASSWORD_LENGTH} characters. A passphrase of several words is easy to remember and hard to guess.`}>
        <input
          id={pwId}
          type="password"
          autoComplete="new-password"
          required
          minLength={MIN_PASSWORD_LENGTH}
          aria-describedby={`${pwId}-hint`}
          value={props.password}
          onInput={(e) => props.onPassword(e.currentTarget.value)}
        />
      </Field>
      <Field id={confirmId} label={`Confirm ${label.toLowerCase()}`} error={mismatch ? 'The two passwords differ.' : props.error ?? undefined}>
        <input
          id={confirmId}
          type="password"
          autoComplete="new-password"
          required
          aria-invalid={mismatch ? 'true' : undefined}
          aria-describedby={mismatch || props.error ? `${confirmId}-error` : undefined}
          value={props.confirm}
          onInput={(e) => props.onConfirm(e.currentTarget.value)}
        />
      </Field>
    </>
  );
}
