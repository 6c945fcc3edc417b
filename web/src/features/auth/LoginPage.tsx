import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiProblem } from '../../app/http';
import { homeFor } from '../../app/routes';
import { Link, navigate, queryParam } from '../../app/router';
import { lockedSession, sessionEndedReason, startSession } from '../../app/session';
import { codeDelivery, completeLogin, endSession, requestEmailCode, startLogin, type LoginChallenge, type OtpMethod } from '../../sdk/account';
import { sealInsuranceDocumentsForNewStaff } from '../../sdk/claimDocuments';
import { rewrapStaleDesignations } from '../../sdk/emergency';
import { shareProfileAfterNewRelation } from '../../sdk/profiles';
import { ActionForm, Button, Field, Notice, Page, ProblemAlert, Progress } from '../../ui/components';
import { OneTimeCodeField } from './codeField';
import { useAction, useAsync } from '../../ui/hooks';
import { loginNotice } from './notice';

/** Only same-site paths are followed after sign-in (no open redirect through ?next=). */
function safeNext(): string | null {
  const next = queryParam('next');
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/login') ? next : null;
}

export function LoginPage() {
  const [challenge, setChallenge] = useState<LoginChallenge | null>(null);
  // The key-encryption key from step one; wiped once used or when the page is left.
  const kek = useRef<Uint8Array | null>(null);
  const forgetKek = () => {
    kek.current?.fill(0);
    kek.current = null;
  };
  useEffect(() => forgetKek, []);
  // The sign-up / recovery message is shown once: kept while on this page, cleared when it is left.
  const [notice] = useState(loginNotice.value);
  useEffect(() => () => void (loginNotice.value = null), []);

  const restart = () => {
    forgetKek();
    setChallenge(null);
  };

  return (
    <Page title="Sign in">
      {sessionEndedReason.value && <Notice kind="warning">{sessionEndedReason.value}</Notice>}
      {notice && <Notice kind="success">{notice}</Notice>}
      {challenge ? (
        <CodeStep challenge={challenge} kek={kek} onRestart={restart} />
      ) : (
        <PasswordStep
          onChallenge={(c, k) => {
            forgetKek();
            kek.current = k;
            setChallenge(c);
          }}
        />
      )}
    </Page>
  );
}

function PasswordStep(props: { onChallenge: (challenge: LoginChallenge, kek: Uint8Array) => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [deriving, setDeriving] = useState(false);
  const action = useAction(async () => {
    try {
      const { challenge, kek } = await startLogin(email.trim(), password, () => setDeriving(true));
      setPassword('');
      props.onChallenge(challenge, kek);
    } finally {
      setDeriving(false);
    }
  });

  return (
    <ActionForm onSubmit={() => void action.run()}>
      <ProblemAlert error={action.error} />
      <Field id="login-email" label="Email">
        <input id="login-email" type="email" autoComplete="username" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
      </Field>
      <Field id="login-password" label="Password" hint="Your password never leaves this device; only a key derived from it is sent.">
        <input
          id="login-password"
          type="password"
          autoComplete="current-password"
          required
          aria-describedby="login-password-hint"
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
        />
      </Field>
      {deriving && <Progress label="Deriving keys on this device…" />}
      <div class="row">
        <Button type="submit" busy={action.busy} busyLabel="Signing in…">
          Sign in
        </Button>
        <Link href="/recover">Forgot your password?</Link>
        <Link href="/signup">Create an account</Link>
      </div>
    </ActionForm>
  );
}

function CodeStep(props: { challenge: LoginChallenge; kek: { current: Uint8Array | null }; onRestart: () => void }) {
  const { challenge } = props;
  const offersTotp = challenge.methods.includes('Totp');
  const offersEmail = challenge.methods.includes('Email');
  const [method, setMethod] = useState<OtpMethod>(offersTotp ? 'Totp' : 'Email');
  const [emailSent, setEmailSent] = useState(challenge.emailCodeSent);
  const [code, setCode] = useState('');

  const sendEmail = useAction(async () => {
    await requestEmailCode(challenge.ticket);
    setEmailSent(true);
    setMethod('Email');
    setCode('');
  });

  const verify = useAction(async () => {
    const kek = props.kek.current;
    if (!kek) throw new ApiProblem(400, 'Start again', 'This sign-in has no key material any more; enter your password again.');
    const { tokens, keys } = await completeLogin(challenge.ticket, method, code, kek);
    props.kek.current = null;
    kek.fill(0);
    // A session left locked by a reload is replaced by this one: end it on the server too.
    if (lockedSession.value) void endSession(lockedSession.value);
    startSession(tokens, keys);
    if (tokens.user.role === 'Patient') {
      // A hospital may have rotated its emergency key since the last sign-in: wrap the summary for the new key now.
      // A key that does not verify stays flagged on the Emergency page; it must not block the sign-in.
      await rewrapStaleDesignations().catch(() => null);
    }
    navigate(safeNext() ?? homeFor(tokens.user.role), true);
    if (tokens.user.role === 'Patient') {
      // A doctor assigned (or a grant or booking made elsewhere) while this patient was offline gets the profile now —
      // after navigating and without waiting: checking every party against the ledger takes seconds, and a late
      // navigate() would undo wherever the user went meanwhile.
      void shareProfileAfterNewRelation();
      // Insurer staff who joined since the patient sealed claim or application documents get them now (best effort).
      void sealInsuranceDocumentsForNewStaff().catch(() => null);
    }
  });

  const delivery = useAsync((signal) => codeDelivery(signal), []);
  const emailMode = method === 'Email';
  const fieldId = emailMode ? 'login-email-code' : 'login-totp';
  return (
    <ActionForm onSubmit={() => void verify.run()}>
      <ProblemAlert error={verify.error ?? sendEmail.error} />
      {emailMode && emailSent && (
        <Notice kind="info">
          {delivery.data?.channel === 'outbox'
            ? `This server has no mail server configured: your 6-digit sign-in code was written to its outbox folder (${delivery.data.outboxFolder ?? 'outbox in its data folder'}) instead of being emailed. It expires in a few minutes.`
            : 'We emailed you a 6-digit sign-in code. It expires in a few minutes.'}
        </Notice>
      )}
      {!emailMode && <p class="muted">Password accepted. Enter the 6-digit code from your authenticator app.</p>}
      {(!emailMode || emailSent) && (
        <OneTimeCodeField key={fieldId} id={fieldId} label={emailMode ? 'Emailed code' : 'Authenticator code'} pattern="[0-9 ]*" autoFocus
          value={code} onValue={setCode} />
      )}
      <div class="row">
        {(!emailMode || emailSent) && (
          <Button type="submit" busy={verify.busy} busyLabel="Unlocking your keys…">
            Verify
          </Button>
        )}
        {offersEmail && !emailMode && (
          <Button kind="secondary" busy={sendEmail.busy} busyLabel="Sending…" onClick={() => void sendEmail.run()}>
            Email me a code instead
          </Button>
        )}
        {offersEmail && emailMode && emailSent && (
          <Button kind="link" busy={sendEmail.busy} busyLabel="Sending…" onClick={() => void sendEmail.run()}>
            Send a new code
          </Button>
        )}
        {offersTotp && emailMode && (
          <Button kind="link" onClick={() => setMethod('Totp')}>
            Use my authenticator app
          </Button>
        )}
        <Button kind="link" onClick={props.onRestart}>
          Start again
        </Button>
      </div>
    </ActionForm>
  );
}
