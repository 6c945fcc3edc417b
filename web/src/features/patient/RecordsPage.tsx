import { useEffect, useState } from 'preact/hooks';
import { requireSession } from '../../app/session';
import { Button, Card, Empty, Field, Notice, Page, ProblemAlert, ShortId, Spinner, formatDateTime } from '../../ui/components';
import { useAsync } from '../../ui/hooks';
import { RECORD_CATEGORIES, listRecords, openRecord, type DecryptedRecord, type RecordSummary } from '../../sdk/records';
import { RecordView } from '../../fhir/FhirCard';
import { UploadForm } from './UploadForm';
import { CorrectionRequests } from './CorrectionRequests';
import { useRoleLabel } from './people';
import './patient.css';

type Decrypted = { record: DecryptedRecord } | { error: unknown };

/** Decrypts one record when it is shown (each one is fetched with the caller's own wrap and checked). */
function useDecrypted(summary: RecordSummary): Decrypted | null {
  const [state, setState] = useState<Decrypted | null>(null);
  useEffect(() => {
    let live = true;
    setState(null);
    openRecord(summary.recordId).then(
      (record) => live && setState({ record }),
      (error: unknown) => live && setState({ error }),
    );
    return () => {
      live = false;
    };
  }, [summary.recordId, summary.latestVersion]);
  return state;
}

function AuthorName(props: { authorId: string }) {
  const self = props.authorId === requireSession().tokens.user.id;
  const role = useRoleLabel(props.authorId, self);
  if (self) return <>you</>;
  return (
    <>
      {role ?? 'someone'} <ShortId id={props.authorId} />
    </>
  );
}

function RecordItem(props: { summary: RecordSummary; onNewVersion: (s: RecordSummary) => void }) {
  const { summary } = props;
  const decrypted = useDecrypted(summary);
  return (
    <li>
      <Card>
        <div class="record-meta">
          <span class="badge neutral">{summary.category}</span>
          <time dateTime={new Date(summary.createdAtMs).toISOString()}>{formatDateTime(summary.createdAtMs)}</time>
          <span>version {summary.latestVersion}</span>
          <span>
            by <AuthorName authorId={summary.latestAuthorId} />
          </span>
          <span>
            record <ShortId id={summary.recordId} />
          </span>
        </div>
        {decrypted === null && <Spinner label="Decrypting in this browser…" />}
        {decrypted && 'error' in decrypted && <ProblemAlert error={decrypted.error} />}
        {decrypted && 'record' in decrypted && <RecordView record={decrypted.record} />}
        <div class="record-actions">
          {summary.latestAuthorId === requireSession().tokens.user.id ? (
            <Button kind="secondary" onClick={() => props.onNewVersion(summary)} aria-label={`New version of ${summary.category} record ${summary.recordId.slice(0, 8)}`}>
              New version
            </Button>
          ) : (
            <CorrectionRequests summary={summary} />
          )}
        </div>
      </Card>
    </li>
  );
}

function endOfDay(date: string): Date {
  return new Date(`${date}T23:59:59.999`);
}

export function RecordsPage() {
  const [category, setCategory] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [editing, setEditing] = useState<{ existing?: RecordSummary } | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const records = useAsync(
    () =>
      listRecords({
        patientId: requireSession().tokens.user.id,
        category: category || undefined,
        from: from ? new Date(`${from}T00:00:00`) : undefined,
        to: to ? endOfDay(to) : undefined,
      }),
    [category, from, to],
  );
  // Newest first (the server orders by creation of the latest version; re-sort to be sure).
  const list = [...(records.data ?? [])].sort((a, b) => b.createdAtMs - a.createdAtMs);

  return (
    <Page
      title="My records"
      actions={
        !editing && (
          <Button onClick={() => { setSaved(null); setEditing({}); }}>
            Add a record
          </Button>
        )
      }
    >
      {saved && <Notice kind="success">{saved}</Notice>}
      {editing && (
        <UploadForm
          existing={editing.existing}
          onCancel={() => setEditing(null)}
          onDone={(r) => {
            setEditing(null);
            setSaved(`Saved version ${r.version} of record ${r.recordId.slice(0, 8)}, encrypted in this browser and anchored on the ledger.`);
            records.reload();
          }}
        />
      )}
      <form class="filters" aria-label="Filter records" onSubmit={(e) => e.preventDefault()}>
        <Field id="filter-category" label="Category">
          <select id="filter-category" value={category} onChange={(e) => setCategory((e.currentTarget as HTMLSelectElement).value)}>
            <option value="">All categories</option>
            {RECORD_CATEGORIES.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </Field>
        <Field id="filter-from" label="From">
          <input id="filter-from" type="date" value={from} onChange={(e) => setFrom((e.currentTarget as HTMLInputElement).value)} />
        </Field>
        <Field id="filter-to" label="To">
          <input id="filter-to" type="date" value={to} onChange={(e) => setTo((e.currentTarget as HTMLInputElement).value)} />
        </Field>
      </form>
      <ProblemAlert error={records.error} />
      {records.loading && !records.data && <Spinner label="Loading your records…" />}
      {records.data && list.length === 0 && (
        <Empty>{category || from || to ? 'No records match these filters.' : 'You have no records yet. Add one with "Add a record".'}</Empty>
      )}
      <ol class="timeline" aria-label="Records, newest first">
        {list.map((s) => (
          <RecordItem
            key={`${s.recordId}-${s.latestVersion}`}
            summary={s}
            onNewVersion={(summary) => {
              setSaved(null);
              setEditing({ existing: summary });
              window.scrollTo(0, 0);
            }}
          />
        ))}
      </ol>
    </Page>
  );
}
