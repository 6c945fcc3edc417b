import { useState } from 'preact/hooks';
import { ApiProblem } from '../../app/http';
import { navigate } from '../../app/router';
import { lockedSession, signOutLocally, startSession, updateLockedSession } from '../../app/session';
import { CryptoIntegrityError } from '../../crypto';
import { endSession, unlockSession } from '../../sdk/account';
import { ActionForm, Button, Field, Page, ProblemAlert, Progress } from '../../ui/components';
import { useAction } from '../../ui/hooks';

/**
 * Shown instead of any signed-in screen after a reload: the session is still open on the server, but the private keys
 * lived only in the old page's memory. The password unlocks them again here; the page asked for is shown after.
 */
export function UnlockPage() {
  const tokens = lockedSession.value;
  const [password, setPassword] = useState('');
  const [deriving, setDeriving] = useState(false);
  const unlock = useAction(async () => {
    if (!tokens) return;
    setDeriving(true);
    try {
      const { tokens: fresh, keys } = await unlockSession(tokens, password, updateLockedSession);
      setPassword('');
      startSession(fresh, keys);
    } catch (e) {
      if (e instanceof CryptoIntegrityError) throw new ApiProblem(400, 'Wrong password', 'That password does not unlock your keys. Try again.');
      if (e instanceof ApiProblem && e.status === 401) {
        // The server ended the session meanwhile (signed out elsewhere, expired): sign in again.
        signOutLocally('Your session ended. Please sign in again.');
        navigate(`/login?next=${encodeURIComponent(location.pathname + location.search)}`, true);
        return;
      }
      throw e;
    } finally {
      setDeriving(false);
    }
  });
  const switchUser = async () => {
    if (tokens) await endSession(tokens);
    signOutLocally();
    navigate('/login', true);
  };
  if (!tokens) return null;
  return (
    <Page title="Unlock">
      <p>
        Signed in as <strong>{tokens.user.email}</strong>. Your keys were cleared when the page reloaded; enter your password to
        unlock them in this tab.
      </p>
      <ActionForm onSubmit={() => void unlock.run()}>
        <ProblemAlert error={unlock.error} />
        <Field id="unlock-password" label="Password" hint="Checked on this device: it unlocks your keys here and is never sent.">
          <input id="unlock-password" type="password" autoComplete="current-password" required aria-describedby="unlock-password-hint" autoFocus
            value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
        </Field>
        {deriving && <Progress label="Deriving keys on this device…" />}
        <div class="row">
          <Button type="submit" busy={unlock.busy} busyLabel="Unlocking…">Unlock</Button>
          <Button kind="link" onClick={() => void switchUser()}>Sign out</Button>
        </div>
      </ActionForm>
    </Page>
  );
}
