import { useState } from 'preact/hooks';
import { AMENDMENT_NOTE_MAX_LENGTH } from '../../crypto';
import { amendments, declineAmendment, markAmendmentAccepted, type Amendment } from '../../sdk/amendments';
import { listRecords, type RecordSummary } from '../../sdk/records';
import { ActionForm, Button, Card, Empty, Field, Notice, Page, ProblemAlert, ShortId, Spinner, formatDateTime } from '../../ui/components';
import { useAction, useAsync } from '../../ui/hooks';
import { AmendmentState } from '../patient/CorrectionRequests';
import { UploadForm } from '../patient/UploadForm';
import { PatientName, useSharedProfiles } from '../shared/PatientName';
import type { OpenedProfile } from '../../sdk/profiles';

/**
 * Correction requests patients filed on records this doctor wrote. Accept opens the new-version editor; once the
 * corrected version is saved the request is marked accepted naming it. Decline takes a reason, sealed here for the
 * patient and the doctor.
 */
function RequestCard(props: { amendment: Amendment; profiles: Map<string, OpenedProfile> | undefined; onDecided: (message: string) => void }) {
  const a = props.amendment;
  const [mode, setMode] = useState<'accept' | 'decline' | null>(null);
  const [reason, setReason] = useState('');
  const [record, setRecord] = useState<RecordSummary | null>(null);
  const openEditor = useAction(async () => {
    const found = (await listRecords({ patientId: a.patientId })).find((r) => r.recordId === a.recordId);
    if (!found) throw new Error('You cannot open this record now (the patient has not shared it with you), so you cannot write its next version.');
    setRecord(found);
    setMode('accept');
  });
  const accept = useAction(async (version: number) => {
    await markAmendmentAccepted(a, version);
    props.onDecided(`Accepted: version ${version} of record ${a.recordId.slice(0, 8)} resolves the request.`);
  });
  const decline = useAction(async () => {
    await declineAmendment(a, reason);
    props.onDecided(`Declined the request on record ${a.recordId.slice(0, 8)}; the patient sees your reason.`);
  });
  return (
    <Card headingLevel={3} title={<>Request on record <ShortId id={a.recordId} /> <span class="muted">· version {a.version}</span></>}>
      <p class="muted">
        Filed {formatDateTime(a.filedAt)} by <PatientName id={a.patientId} profiles={props.profiles} />
      </p>
      <blockquote class="amendment-text">{a.requestText}</blockquote>
      <p>
        <AmendmentState amendment={a} />
      </p>
      {a.status === 'open' && mode === null && (
        <div class="record-actions">
          <Button onClick={() => void openEditor.run()} busy={openEditor.busy} busyLabel="Opening…">
            Accept and write a new version
          </Button>
          <Button kind="secondary" onClick={() => setMode('decline')}>
            Decline
          </Button>
        </div>
      )}
      <ProblemAlert error={openEditor.error ?? accept.error} />
      {mode === 'accept' && record && (
        <UploadForm existing={record} patientId={a.patientId} onCancel={() => setMode(null)} onDone={(r) => void accept.run(r.version)} />
      )}
      {mode === 'decline' && (
        <ActionForm onSubmit={() => void decline.run()} aria-label="Decline the request">
          <Field id={`decline-${a.requestId}`} label="Reason for declining" hint="Encrypted in this browser for the patient and you only.">
            <textarea id={`decline-${a.requestId}`} rows={3} maxLength={AMENDMENT_NOTE_MAX_LENGTH} required value={reason}
              onInput={(e) => setReason((e.currentTarget as HTMLTextAreaElement).value)} />
          </Field>
          <ProblemAlert error={decline.error} />
          <div class="record-actions">
            <Button type="submit" busy={decline.busy} busyLabel="Sealing and sending…" disabled={reason.trim().length === 0}>
              Decline request
            </Button>
            <Button kind="secondary" onClick={() => setMode(null)}>
              Cancel
            </Button>
          </div>
        </ActionForm>
      )}
    </Card>
  );
}

export function CorrectionRequestsPage() {
  const list = useAsync(() => amendments(), []);
  const profiles = useSharedProfiles();
  const [notice, setNotice] = useState<string | null>(null);
  const open = (list.data ?? []).filter((a) => a.status === 'open');
  const decided = (list.data ?? []).filter((a) => a.status !== 'open');
  const onDecided = (message: string) => {
    setNotice(message);
    list.reload();
  };
  return (
    <Page title="Correction requests">
      <p class="muted">Patients may ask you to correct a record you wrote. Every request and decision is on the ledger; the texts are encrypted.</p>
      {notice && <Notice kind="success">{notice}</Notice>}
      {list.loading && !list.data && <Spinner label="Loading correction requests…" />}
      <ProblemAlert error={list.error} />
      <ProblemAlert error={profiles.error} />
      {list.data && open.length === 0 && <Empty>No open correction requests on your records.</Empty>}
      <section aria-label="Open correction requests" class="stack">
        {open.map((a) => <RequestCard key={a.requestId} amendment={a} profiles={profiles.data} onDecided={onDecided} />)}
      </section>
      {decided.length > 0 && (
        <>
          <h2>Decided</h2>
          <section aria-label="Decided correction requests" class="stack">
            {decided.map((a) => <RequestCard key={a.requestId} amendment={a} profiles={profiles.data} onDecided={onDecided} />)}
          </section>
        </>
      )}
    </Page>
  );
}
