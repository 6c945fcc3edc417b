import { useState } from 'preact/hooks';
import { sameRecoveryCode } from './recoveryCodes';
import type { Registration } from '../../sdk/account';
import { ActionForm, Button, Field, Notice } from '../../ui/components';
import { loginNotice } from './notice';

/**
 * Shows the recovery code exactly once and makes the user type it back, so it is written down before the
 * page is left: it is the only way back in if the password is forgotten (nobody can reset encrypted keys).
 */
export function RecoveryCodeStep(props: { registration: Registration; professional: boolean; onConfirmed: () => void }) {
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<string | null>(null);

  const confirm = () => {
    if (!sameRecoveryCode(typed, props.registration.recoveryCode)) {
      setError('That is not the code shown above. Check each group of characters and try again.');
      return;
    }
    loginNotice.value = props.professional
      ? 'Account created. Sign in with your email and password; until a platform admin verifies your account you can sign in but not act.'
      : 'Account created. Sign in with your email and password; we will email you a sign-in code.';
    props.onConfirmed();
  };

  return (
    <ActionForm onSubmit={confirm}>
      <Notice kind="success">Your account was created and your keys were registered on the ledger.</Notice>
      {props.professional && (
        <Notice kind="info">Your account waits for verification by a platform admin. You can sign in meanwhile, but not act as a professional yet.</Notice>
      )}
      <Notice kind="warning">
        <strong>Write this recovery code down and keep it somewhere safe.</strong> It is the only way back into your account if you forget your
        password: your records are encrypted with keys only you hold, so nobody — not MedLedger, not an administrator — can reset it for you. It is
        shown only this once.
      </Notice>
      <p class="recovery-code" aria-label="Your recovery code">
        {props.registration.recoveryCode}
      </p>
      <Field
        id="recovery-confirm"
        label="Type the recovery code again"
        hint="To make sure you have it. Upper or lower case, hyphens optional."
        error={error ?? undefined}
      >
        <input
          id="recovery-confirm"
          autoComplete="off"
          spellcheck={false}
          autoCapitalize="characters"
          required
          aria-invalid={error ? 'true' : undefined}
          aria-describedby={error ? 'recovery-confirm-hint recovery-confirm-error' : 'recovery-confirm-hint'}
          value={typed}
          onInput={(e) => {
            setTyped(e.currentTarget.value);
            setError(null);
          }}
        />
      </Field>
      {error && (
        <div class="alert error" role="alert">
          {error}
        </div>
      )}
      <div class="row">
        <Button type="submit">I saved it — continue to sign in</Button>
      </div>
    </ActionForm>
  );
}
