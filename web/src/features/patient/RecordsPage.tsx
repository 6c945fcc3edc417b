import { useState } from 'preact/hooks';
import { requireSession } from '../../app/session';
import { Button, Card, Empty, Field, Notice, Page, ProblemAlert, ShortId, Spinner, formatDateTime } from '../../ui/components';
import { useAsync } from '../../ui/hooks';
import { RECORD_CATEGORIES, listRecords, type RecordSummary } from '../../sdk/records';
import { RecordView } from '../../fhir/FhirCard';
import { UploadForm } from './UploadForm';
import { CorrectionRequests } from './CorrectionRequests';
import { useRoleLabel } from './people';
import { RecordTimeline, RecordWhen, type OpenedRow } from '../shared/RecordTimeline';
import './patient.css';

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

function RecordItem(props: { row: OpenedRow; onNewVersion: (s: RecordSummary) => void }) {
  const { summary, opened } = props.row.item;
  return (
    <Card>
      <RecordWhen row={props.row} />
      <div class="record-meta">
        <span class="badge neutral">{summary.category}</span>
        <span>
          uploaded <time dateTime={new Date(summary.createdAtMs).toISOString()}>{formatDateTime(summary.createdAtMs)}</time>
        </span>
        <span>version {summary.latestVersion}</span>
        <span>
          by <AuthorName authorId={summary.latestAuthorId} />
        </span>
        <span>
          record <ShortId id={summary.recordId} />
        </span>
      </div>
      {'error' in opened && <ProblemAlert error={opened.error} />}
      {'record' in opened && <RecordView record={opened.record} />}
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
      {records.data && records.data.length === 0 && (
        <Empty>{category || from || to ? 'No records match these filters.' : 'You have no records yet. Add one with "Add a record".'}</Empty>
      )}
      <RecordTimeline
        summaries={records.data}
        label="Records, newest first"
        headingLevel={2}
        renderRecord={(row) => (
          <RecordItem
            row={row}
            onNewVersion={(summary) => {
              setSaved(null);
              setEditing({ existing: summary });
              window.scrollTo(0, 0);
            }}
          />
        )}
      />
    </Page>
  );
}
