import { useState } from 'preact/hooks';
import { RecordView } from '../../fhir/FhirCard';
import {
  breakGlass, breakGlassOnLedger, breakGlassReasons, emergencyReadiness, myBreakGlassEvents, reasonLabel, type BreakGlassResult,
  type EmergencyReadiness,
} from '../../sdk/breakGlass';
import { ActionForm, DataTable, Button, Card, Empty, Field, Notice, Page, ProblemAlert, ShortId, Spinner, VerifiedMark, formatDateTime } from '../../ui/components';
import { useAction, useAsync, type AsyncState } from '../../ui/hooks';
import { describedBy } from './formHelpers';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether this doctor holds a usable share of the hospital emergency key (opened and checked against the ledger here). */
function Readiness(props: { state: AsyncState<EmergencyReadiness> }) {
  const s = props.state;
  if (s.loading) return <Spinner label="Checking your hospital's emergency key…" />;
  if (s.error) return <ProblemAlert error={s.error} />;
  if (!s.data) return null;
  if (!s.data.ready) return <Notice kind="warning">{s.data.reason}</Notice>;
  return (
    <p>
      <VerifiedMark ok label="Hospital emergency key ready" title="Your share opens to the key your hospital anchored on the ledger" />{' '}
      <span class="muted">key id <code class="id">{s.data.keyId.slice(0, 16)}</code></span>
    </p>
  );
}

function Summary(props: { result: BreakGlassResult; patientId: string }) {
  const onLedger = useAsync(() => breakGlassOnLedger(props.result.transactionId, props.patientId), [props.result.transactionId]);
  return (
    <Card title="Emergency summary">
      <p class="muted">
        Patient <ShortId id={props.patientId} /> · break-glass transaction <ShortId id={props.result.transactionId} />{' '}
        <VerifiedMark ok={onLedger.loading ? null : onLedger.data === true} label={onLedger.data ? 'recorded on the ledger' : undefined} />
      </p>
      <RecordView record={props.result.summary} />
    </Card>
  );
}

function MyEvents(props: { version: number }) {
  const events = useAsync((signal) => myBreakGlassEvents(signal), [props.version]);
  return (
    <Card title="My break-glass events">
      {events.loading && <Spinner label="Loading events…" />}
      <ProblemAlert error={events.error} />
      {events.data && events.data.length === 0 && <Empty>You have not broken the glass.</Empty>}
      {events.data && events.data.length > 0 && (
        <DataTable columns={['When', 'Patient', 'Reason', 'Review', { label: 'Ledger transaction', class: 'hide-narrow' }]} label="My break-glass events">
          {events.data.map((e) => (
            <tr key={e.id}>
              <td>{formatDateTime(e.at)}</td>
              <td>
                <ShortId id={e.patientId} />
              </td>
              <td>{reasonLabel(e.reason)}</td>
              <td>{e.reviewOutcome ? <span class="badge neutral">{e.reviewOutcome}</span> : <span class="muted">pending</span>}</td>
              <td class="hide-narrow">
                <ShortId id={e.transactionId} />
              </td>
            </tr>
          ))}
        </DataTable>
      )}
    </Card>
  );
}

/**
 * Break-glass: opens a patient's emergency summary without their consent, in an emergency only. The
 * doctor confirms first; the access is signed, recorded on the ledger, the patient is told and the
 * platform administrator reviews it.
 */
export function EmergencyAccess() {
  const readiness = useAsync(() => emergencyReadiness(), []);
  const [patientId, setPatientId] = useState('');
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState<{ patientId?: string; reason?: string }>({});
  const [confirming, setConfirming] = useState(false);
  const [result, setResult] = useState<{ result: BreakGlassResult; patientId: string } | null>(null);
  const [eventsVersion, setEventsVersion] = useState(0);

  const run = useAction(async () => {
    const id = patientId.trim().toLowerCase();
    const r = await breakGlass(id, reason);
    setResult({ result: r, patientId: id });
    setConfirming(false);
    setEventsVersion((v) => v + 1);
  });

  const review = () => {
    const found: typeof errors = {};
    if (!UUID.test(patientId.trim())) found.patientId = 'Enter the patient id (36 characters with dashes), or find the patient by email.';
    if (!reason) found.reason = 'Choose the reason for emergency access.';
    setErrors(found);
    if (Object.keys(found).length === 0) {
      setResult(null);
      run.clearError();
      setConfirming(true);
    }
  };
  const ready = readiness.data?.ready === true;

  return (
    <Page title="Emergency access">
      <p class="muted">
        In an emergency you can open a patient's emergency summary without their consent, if they made it available to your hospital. Use it
        only when the patient cannot consent and care cannot wait.
      </p>
      <Readiness state={readiness} />
      {result && <Summary result={result.result} patientId={result.patientId} />}
      <Card title="Break the glass">
        <ActionForm class="stack" onSubmit={review} noValidate aria-label="Break the glass">
          <Field id="bg-patient" label="Patient id" error={errors.patientId}>
            <input id="bg-patient" value={patientId} onInput={(e) => { setPatientId(e.currentTarget.value); setConfirming(false); }}
              autocomplete="off" spellcheck={false} aria-invalid={errors.patientId ? 'true' : undefined}
              aria-describedby={describedBy('bg-patient', errors.patientId)} />
          </Field>
          <Field id="bg-reason" label="Reason" error={errors.reason}>
            <select id="bg-reason" value={reason} onChange={(e) => { setReason(e.currentTarget.value); setConfirming(false); }}
              aria-invalid={errors.reason ? 'true' : undefined} aria-describedby={describedBy('bg-reason', errors.reason)}>
              <option value="">Choose a reason…</option>
              {breakGlassReasons.map((r) => (
                <option key={r.code} value={r.code}>
                  {r.label}
                </option>
              ))}
            </select>
          </Field>
          {!confirming && (
            <div class="row">
              <Button type="submit" kind="danger" disabled={!ready}>
                Continue
              </Button>
            </div>
          )}
        </ActionForm>
        {confirming && (
          <div class="alert warning" role="alertdialog" aria-labelledby="bg-confirm-title" aria-describedby="bg-confirm-text">
            <strong id="bg-confirm-title">Confirm emergency access</strong>
            <p id="bg-confirm-text">
              You are about to open the emergency summary of patient <ShortId id={patientId.trim()} /> without their consent, for the reason “
              {reasonLabel(reason)}”. This is signed with your key and <strong>recorded permanently on the ledger</strong>, the{' '}
              <strong>patient is notified</strong>, and the platform administrator reviews every emergency access.
            </p>
            <div class="row">
              <Button kind="danger" busy={run.busy} busyLabel="Breaking the glass…" onClick={() => void run.run()} autoFocus>
                Break the glass
              </Button>
              <Button kind="secondary" disabled={run.busy} onClick={() => setConfirming(false)}>
                Cancel
              </Button>
            </div>
          </div>
        )}
        <ProblemAlert error={run.error} />
      </Card>
      <MyEvents version={eventsVersion} />
    </Page>
  );
}
