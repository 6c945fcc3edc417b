import { Field } from '../../ui/components';

/**
 * A 6-digit one-time code (authenticator or emailed): numeric keypad, autofill from the OS, spaces
 * dropped as typed (apps show "123 456").
 */
export function OneTimeCodeField(props: {
  id: string; label: string; hint?: string; value: string; onValue: (code: string) => void; autoFocus?: boolean; pattern?: string;
}) {
  return (
    <Field id={props.id} label={props.label} hint={props.hint}>
      <input
        id={props.id}
        inputMode="numeric"
        autoComplete="one-time-code"
        pattern={props.pattern}
        maxLength={7}
        required
        autoFocus={props.autoFocus}
        aria-describedby={props.hint ? `${props.id}-hint` : undefined}
        value={props.value}
        onInput={(e) => props.onValue(e.currentTarget.value.replace(/\s/g, ''))}
      />
    </Field>
  );
}
