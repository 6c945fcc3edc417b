import { useState } from 'preact/hooks';
import { AMENDMENT_NOTE_MAX_LENGTH } from '../../crypto';
import { amendments, requestAmendment, type Amendment } from '../../sdk/amendments';
import type { RecordSummary } from '../../sdk/records';
import { ActionForm, Button, Field, ProblemAlert, Spinner, formatDateTime } from '../../ui/components';
import { useAction, useAsync } from '../../ui/hooks';

/** The state of one request in words: open, accepted (with the version that resolved it) or declined (with the reason, decrypted here). */
export function AmendmentState(props: { amendment: Amendment }) {
  const a = props.amendment;
  if (a.status === 'accepted') return <span class="badge ok">Accepted — corrected in version {a.resolvedVersion}</span>;
  if (a.status === 'declined') {
    return (
      <>
        <span class="badge bad">Declined</span> <span class="amendment-reason">Reason: {a.declineReason}</span>
      </>
    );
  }
  return <span class="badge neutral">Open — waiting for the author</span>;
}

/**
 * On a record someone else wrote: "Request a correction" (the text is sealed in this browser for the patient and the
 * record's author; the ledger holds only its hash) and each earlier request with its state.
 */
export function CorrectionRequests(props: { summary: RecordSummary }) {
  const recordId = props.summary.recordId;
  const list = useAsync(() => amendments(recordId), [recordId, props.summary.latestVersion]);
  const [writing, setWriting] = useState(false);
  const [text, setText] = useState('');
  const file = useAction(async () => {
    await requestAmendment(recordId, text);
    setWriting(false);
    setText('');
    list.reload();
  });
  const open = list.data?.some((a) => a.status === 'open') ?? false;
  return (
    <div class="stack" aria-label={`Correction requests for record ${recordId.slice(0, 8)}`} role="group">
      <span class="muted">Only its author can write a new version of this record.</span>
      {!writing && !open && (
        <Button kind="secondary" onClick={() => setWriting(true)}>
          Request a correction
        </Button>
      )}
      {writing && (
        <ActionForm onSubmit={() => void file.run()} aria-label="Request a correction">
          <Field id={`amend-${recordId}`} label="What should be corrected, and why" hint="Encrypted in this browser for you and the record's author only.">
            <textarea id={`amend-${recordId}`} rows={3} maxLength={AMENDMENT_NOTE_MAX_LENGTH} required value={text}
              onInput={(e) => setText((e.currentTarget as HTMLTextAreaElement).value)} />
          </Field>
          <ProblemAlert error={file.error} />
          <div class="record-actions">
            <Button type="submit" busy={file.busy} busyLabel="Sealing and sending…" disabled={text.trim().length === 0}>
              Send request
            </Button>
            <Button kind="secondary" onClick={() => setWriting(false)}>
              Cancel
            </Button>
          </div>
        </ActionForm>
      )}
      {list.loading && !list.data && <Spinner label="Checking correction requests…" />}
      <ProblemAlert error={list.error} />
      {list.data && list.data.length > 0 && (
        <ul class="amendments" aria-label="Correction requests">
          {list.data.map((a) => (
            <li key={a.requestId}>
              <span class="muted">{formatDateTime(a.filedAt)} · on version {a.version}:</span> “{a.requestText}” — <AmendmentState amendment={a} />
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
