import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { roleNames } from '../../app/session';
import type { Role } from '../../app/http';
import { ActionForm, Button, Card, Empty, Field, formatDateTime, Notice, Page, ProblemAlert, ShortId, Spinner } from '../../ui/components';
import { useAction, useAsync } from '../../ui/hooks';
import { decideOrganization, decideProfessional, verificationQueue } from '../../sdk/admin';
import { organizations } from '../../sdk/organizations';

export function Verifications() {
  const queue = useAsync((signal) => verificationQueue(signal), []);
  const orgs = useAsync((signal) => organizations(undefined, signal), []);
  const [done, setDone] = useState<string | null>(null);
  const orgName = (id: string | null) => {
    if (!id) return '—';
    return queue.data?.organizations.find((o) => o.id === id)?.name ?? orgs.data?.find((o) => o.id === id)?.name ?? id.slice(0, 8);
  };
  const decided = (message: string) => {
    setDone(message);
    queue.reload();
  };
  return (
    <Page title="Verification">
      {done && <Notice kind="success">{done}</Notice>}
      <ProblemAlert error={queue.error} />
      {queue.loading && !queue.data && <Spinner label="Loading the verification queue…" />}
      {queue.data && (
        <>
          <Card title={`Organizations waiting (${queue.data.organizations.length})`}>
            {queue.data.organizations.length === 0 ? (
              <Empty>No organization is waiting for verification.</Empty>
            ) : (
              queue.data.organizations.map((o) => (
                <Decision
                  key={o.id}
                  label={o.name}
                  details={
                    <>
                      <strong>{o.name}</strong> <span class="badge neutral">{o.kind}</span>
                      {o.cardChangedAt && (
                        <span class="badge bad">
                          card changed {formatDateTime(o.cardChangedAt)} (was {o.verification.toLowerCase()})
                        </span>
                      )}
                      <div class="muted">
                        {o.address} · {o.kind === 'Pharmacy' ? 'licence' : 'registration'} no. {o.registrationNumber} · registered{' '}
                        {formatDateTime(o.createdAt)}
                      </div>
                    </>
                  }
                  decide={(approve, reason) => decideOrganization(o.id, approve, reason)}
                  onDone={(approve) => decided(`${o.name} was ${approve ? 'approved' : 'rejected'}.`)}
                />
              ))
            )}
          </Card>
          <Card title={`Professionals waiting (${queue.data.professionals.length})`}>
            {queue.data.professionals.length === 0 ? (
              <Empty>No professional is waiting for verification.</Empty>
            ) : (
              queue.data.professionals.map((p) => {
                const label = `${roleNames[p.role as Role] ?? p.role} ${p.userId.slice(0, 8)}`;
                return (
                  <Decision
                    key={p.userId}
                    label={label}
                    details={
                      <>
                        <strong>{roleNames[p.role as Role] ?? p.role}</strong> <ShortId id={p.userId} />
                        <div class="muted">
                          {orgName(p.organizationId)} · licence {p.licenseNumber ?? '—'} · registered {formatDateTime(p.createdAt)}
                        </div>
                      </>
                    }
                    decide={(approve, reason) => decideProfessional(p.userId, approve, reason)}
                    onDone={(approve) => decided(`${label} was ${approve ? 'approved' : 'rejected'}.`)}
                  />
                );
              })
            )}
          </Card>
        </>
      )}
    </Page>
  );
}

/** One queue entry: Approve, or Reject with a reason (the server requires one and says so if it is missing). */
function Decision(props: {
  label: string;
  details: ComponentChildren;
  decide: (approve: boolean, reason: string) => Promise<void>;
  onDone: (approve: boolean) => void;
}) {
  const [rejecting, setRejecting] = useState(false);
  const [reason, setReason] = useState('');
  const id = `reason-${props.label.replace(/[^A-Za-z0-9]+/g, '-')}`;
  const approve = useAction(async () => {
    await props.decide(true, '');
    props.onDone(true);
  });
  const reject = useAction(async () => {
    await props.decide(false, reason);
    props.onDone(false);
  });
  const busy = approve.busy || reject.busy;
  return (
    <div class="review" role="group" aria-label={props.label}>
      {props.details}
      <div class="row" style="margin-top:.5rem">
        <Button busy={approve.busy} busyLabel="Approving…" disabled={busy} onClick={() => void approve.run()} aria-label={`Approve ${props.label}`}>
          Approve
        </Button>
        {!rejecting && (
          <Button kind="secondary" disabled={busy} onClick={() => setRejecting(true)} aria-label={`Reject ${props.label}`}>
            Reject…
          </Button>
        )}
      </div>
      {rejecting && (
        <ActionForm
          class="stack"
          style="margin-top:.5rem"
          noValidate
          onSubmit={() => void reject.run()}
        >
          <Field id={id} label={`Reason for rejecting ${props.label}`} hint="Required; the applicant sees it.">
            <textarea id={id} value={reason} maxLength={500} onInput={(e) => setReason(e.currentTarget.value)} aria-required="true" aria-describedby={`${id}-hint`} />
          </Field>
          <div class="row">
            <Button kind="danger" type="submit" busy={reject.busy} busyLabel="Rejecting…" disabled={busy}>
              Confirm rejection
            </Button>
            <Button kind="link" onClick={() => (setRejecting(false), reject.clearError())}>
              Keep it waiting
            </Button>
          </div>
        </ActionForm>
      )}
      <ProblemAlert error={approve.error ?? reject.error} />
    </div>
  );
}
