import { useState } from 'preact/hooks';
import { ApiProblem } from '../../app/http';
import { Link, navigate } from '../../app/router';
import { CryptoFormatError, CryptoIntegrityError } from '../../crypto';
import { completeRecovery, passwordProblem, startRecovery, verifyRecovery, type RecoveryBundle } from '../../sdk/account';
import { ActionForm, Button, Field, Notice, Page, ProblemAlert, Progress } from '../../ui/components';
import { OneTimeCodeField } from './codeField';
import { useAction } from '../../ui/hooks';
import { loginNotice } from './notice';
import { NewPasswordFields } from './passwordFields';

/** Forgotten password: emailed code, then the recovery code unlocks the keys here and a new password re-wraps them. */
export function RecoverPage() {
  const [ticket, setTicket] = useState<string | null>(null);
  const [bundle, setBundle] = useState<RecoveryBundle | null>(null);
  return (
    <Page title="Recover your account">
      {!ticket ? (
        <EmailStep onTicket={setTicket} />
      ) : !bundle ? (
        <EmailCodeStep ticket={ticket} onBundle={setBundle} onRestart={() => setTicket(null)} />
      ) : (
        <NewPasswordStep
          bundle={bundle}
          onDone={() => {
            loginNotice.value = 'Your password was reset and every session was signed out. Sign in with the new password.';
            navigate('/login');
          }}
        />
      )}
    </Page>
  );
}

function EmailStep(props: { onTicket: (ticket: string) => void }) {
  const [email, setEmail] = useState('');
  const action = useAction(async () => props.onTicket(await startRecovery(email.trim())));
  return (
    <ActionForm onSubmit={() => void action.run()}>
      <p class="muted">
        You need the recovery code you saved when you created the account. Your records are encrypted with keys only you hold; without the password
        or the recovery code nobody can open them.
      </p>
      <ProblemAlert error={action.error} />
      <Field id="recover-email" label="Email">
        <input id="recover-email" type="email" autoComplete="username" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
      </Field>
      <div class="row">
        <Button type="submit" busy={action.busy} busyLabel="Sending…">
          Email me a code
        </Button>
        <Link href="/login">Back to sign in</Link>
      </div>
    </ActionForm>
  );
}

function EmailCodeStep(props: { ticket: string; onBundle: (b: RecoveryBundle) => void; onRestart: () => void }) {
  const [code, setCode] = useState('');
  const action = useAction(async () => props.onBundle(await verifyRecovery(props.ticket, code)));
  return (
    <ActionForm onSubmit={() => void action.run()}>
      <Notice kind="info">If an account exists for that address, we emailed it a 6-digit code.</Notice>
      <ProblemAlert error={action.error} />
      <OneTimeCodeField id="recover-email-code" label="Emailed code" autoFocus value={code} onValue={setCode} />
      <div class="row">
        <Button type="submit" busy={action.busy} busyLabel="Checking…">
          Verify code
        </Button>
        <Button kind="link" onClick={props.onRestart}>
          Start again
        </Button>
      </div>
    </ActionForm>
  );
}

function NewPasswordStep(props: { bundle: RecoveryBundle; onDone: () => void }) {
  const [recoveryCode, setRecoveryCode] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const action = useAction(async () => {
    const problem = passwordProblem(password, confirm);
    if (problem) throw new ApiProblem(0, 'Check the new password', problem);
    try {
      await completeRecovery(props.bundle, recoveryCode, password);
    } catch (e) {
      // Both are detected here, before anything is sent, so the user can simply correct the code.
      if (e instanceof CryptoFormatError) throw new ApiProblem(0, 'The recovery code has a typo', e.message);
      if (e instanceof CryptoIntegrityError) throw new ApiProblem(0, 'Wrong recovery code', 'That recovery code does not unlock the keys of this account.');
      throw e;
    }
    props.onDone();
  });
  return (
    <ActionForm onSubmit={() => void action.run()}>
      <Notice kind="success">Code accepted. Now enter your recovery code and choose a new password.</Notice>
      <ProblemAlert error={action.error} />
      <Field id="recover-code" label="Recovery code" hint="25 characters, e.g. HWX5-R3MH-TAVM-CTGZ-1GYN-WYWT-3; case and hyphens do not matter.">
        <input
          id="recover-code"
          autoComplete="off"
          spellcheck={false}
          autoCapitalize="characters"
          required
          aria-describedby="recover-code-hint"
          value={recoveryCode}
          onInput={(e) => setRecoveryCode(e.currentTarget.value)}
        />
      </Field>
      <NewPasswordFields idPrefix="recover" label="New password" password={password} confirm={confirm} onPassword={setPassword} onConfirm={setConfirm} />
      {action.busy && <Progress label="Unlocking your keys with the recovery code and deriving the new password key…" />}
      <div class="row">
        <Button type="submit" busy={action.busy} busyLabel="Setting the new password…">
          Set new password
        </Button>
      </div>
    </ActionForm>
  );
}
