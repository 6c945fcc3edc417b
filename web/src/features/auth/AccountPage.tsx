import { useState } from 'preact/hooks';
import { ApiProblem, type Me } from '../../app/http';
import { me, requireSession, roleNames, session, updateMe } from '../../app/session';
import { keyFingerprint } from '../../crypto';
import { beginTotpEnrollment, changeAccountPassword, confirmTotp, fetchMe, passwordProblem, WrongCurrentPasswordError, type TotpEnrollment } from '../../sdk/account';
import { ActionForm, Button, Card, Field, Notice, Page, ProblemAlert, Progress, Spinner } from '../../ui/components';
import { OneTimeCodeField } from './codeField';
import { useAction, useAsync } from '../../ui/hooks';
import { NewPasswordFields } from './passwordFields';
import './auth.css';

const verificationText: Record<Me['verification'], string> = {
  NotRequired: 'Not required',
  Pending: 'Waiting for a platform admin',
  Approved: 'Verified',
  Rejected: 'Rejected',
};

export function AccountPage() {
  const user = me.value;
  if (!user) return <Spinner label="Loading your account…" />;
  return (
    <Page title="Your account">
      <div class="grid">
        <AccountFacts user={user} />
        <TotpCard user={user} />
      </div>
      <ChangePasswordCard userId={user.id} />
    </Page>
  );
}

function AccountFacts(props: { user: Me }) {
  const { user } = props;
  const keys = session.value?.keys;
  // Computed from the keys unlocked at sign-in, which were checked against the ledger registration.
  const fingerprint = useAsync(async () => (keys ? (await keyFingerprint(keys.encryption.publicKey, keys.signing.publicKey)).display : null), [keys]);
  const badge = user.verification === 'Approved' ? 'ok' : user.verification === 'Rejected' ? 'bad' : 'neutral';
  return (
    <Card title="Account">
      <dl class="facts account-facts">
        <dt>Email</dt>
        <dd>{user.email}</dd>
        <dt>Role</dt>
        <dd>{roleNames[user.role]}</dd>
        <dt>Verification</dt>
        <dd>
          <span class={`badge ${badge}`}>{verificationText[user.verification]}</span>
          {user.verificationReason && <p class="muted">{user.verificationReason}</p>}
        </dd>
        {!user.canAct && (
          <>
            <dt>Can act</dt>
            <dd>{user.cannotActReason ?? 'Not yet'}</dd>
          </>
        )}
        <dt>Key fingerprint</dt>
        <dd>
          {fingerprint.data ? <code aria-label="Key fingerprint">{fingerprint.data}</code> : fingerprint.error ? <ProblemAlert error={fingerprint.error} /> : <Spinner inline label="computing…" />}
          <p class="muted">Compare it with what others see for you (in person or by phone) to be sure nobody swapped your keys.</p>
        </dd>
      </dl>
    </Card>
  );
}

function TotpCard(props: { user: Me }) {
  const [enrollment, setEnrollment] = useState<TotpEnrollment | null>(null);
  const [code, setCode] = useState('');
  const [password, setPassword] = useState('');
  const begin = useAction(async () => {
    try {
      setEnrollment(await beginTotpEnrollment(password));
    } catch (e) {
      if (e instanceof WrongCurrentPasswordError) throw new ApiProblem(0, 'Authenticator not set up', e.message);
      throw e;
    } finally {
      setPassword('');
    }
  });
  const confirm = useAction(async () => {
    await confirmTotp(code);
    updateMe(await fetchMe());
    setEnrollment(null);
    setCode('');
  });

  if (props.user.totpEnabled) {
    return (
      <Card title="Two-step sign-in">
        <p>
          <span class="badge ok">✓ Authenticator app enrolled</span>
        </p>
        <p class="muted">Sign-in asks for a code from your authenticator app instead of an emailed code.</p>
      </Card>
    );
  }
  return (
    <Card title="Two-step sign-in">
      {!enrollment ? (
        <ActionForm class="stack" onSubmit={() => void begin.run()}>
          <p class="muted">Right now sign-in sends a code to your email. An authenticator app is faster and works without email; once it is set up, emailed codes stop working.</p>
          <ProblemAlert error={begin.error} />
          <Field id="totp-current-password" label="Your password, to confirm it is you">
            <input id="totp-current-password" type="password" autoComplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
          </Field>
          <div class="row">
            <Button type="submit" busy={begin.busy} busyLabel="Checking your password…">
              Set up an authenticator app
            </Button>
          </div>
        </ActionForm>
      ) : (
        <ActionForm
          class="stack"
          onSubmit={() => void confirm.run()}
        >
          <p>Scan this code with your authenticator app, or type the secret below into it.</p>
          <img
            class="totp-qr"
            src={`data:image/png;base64,${enrollment.qrPngBase64}`}
            alt="QR code for your authenticator app (it holds the secret shown below)"
            width={220}
            height={220}
          />
          <p class="totp-secret">
            Secret for manual entry: <code aria-label="Authenticator secret">{enrollment.secret}</code>
          </p>
          <ProblemAlert error={confirm.error} />
          <OneTimeCodeField id="totp-confirm-code" label="Authenticator code" hint="The 6-digit code the app shows now." value={code} onValue={setCode} />
          <div class="row">
            <Button type="submit" busy={confirm.busy} busyLabel="Checking…">
              Confirm
            </Button>
          </div>
        </ActionForm>
      )}
    </Card>
  );
}

function ChangePasswordCard(props: { userId: string }) {
  const [current, setCurrent] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [changed, setChanged] = useState(false);
  const action = useAction(async () => {
    setChanged(false);
    const problem = passwordProblem(password, confirm);
    if (problem) throw new ApiProblem(0, 'Check the new password', problem);
    requireSession();
    try {
      await changeAccountPassword(props.userId, current, password);
    } catch (e) {
      if (e instanceof WrongCurrentPasswordError) throw new ApiProblem(0, 'Password not changed', e.message);
      throw e;
    }
    setCurrent('');
    setPassword('');
    setConfirm('');
    setChanged(true);
  });
  return (
    <Card title="Change password">
      <ActionForm
        class="stack"
        onSubmit={() => void action.run()}
      >
        <p class="muted">Your keys stay the same; they are re-encrypted under the new password on this device. Your recovery code keeps working.</p>
        {changed && <Notice kind="success">Password changed. Your other sessions were signed out.</Notice>}
        <ProblemAlert error={action.error} />
        <Field id="change-current" label="Current password">
          <input id="change-current" type="password" autoComplete="current-password" required value={current} onInput={(e) => setCurrent(e.currentTarget.value)} />
        </Field>
        <NewPasswordFields idPrefix="change" label="New password" password={password} confirm={confirm} onPassword={setPassword} onConfirm={setConfirm} />
        {action.busy && <Progress label="Re-encrypting your keys under the new password…" />}
        <div class="row">
          <Button type="submit" busy={action.busy} busyLabel="Changing…">
            Change password
          </Button>
        </div>
      </ActionForm>
    </Card>
  );
}
