import { useState } from 'preact/hooks';
import { auditCsv, auditSearch, type AuditFilter } from '../../sdk/admin';
import type { LedgerEntry } from '../../sdk/ledger';
import { ActionForm, Button, DataTable, Empty, Field, formatDateTime, Notice, Page, ProblemAlert, ShortId } from '../../ui/components';
import { downloadText } from '../../ui/download';
import { useAction } from '../../ui/hooks';

const PAGE = 50;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TYPE = /^[a-z][a-z0-9.-]{0,63}$/;

type FieldName = 'actor' | 'subject' | 'type' | 'to';

/** A payload as key=value pairs: ids, hashes, counts and amounts (the ledger holds nothing else). */
function payloadText(p: Record<string, string>): string {
  return Object.keys(p).sort().map((k) => `${k}=${p[k]}`).join(' · ');
}

/**
 * The admin's audit search over the ledger (issue 19 item 3): by actor, subject (any id a transaction names), type,
 * validity and signed time; newest first, 50 at a time, and the newest 10,000 matches as CSV.
 */
export function Audit() {
  const [actor, setActor] = useState('');
  const [subject, setSubject] = useState('');
  const [type, setType] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [validity, setValidity] = useState('');
  const [errors, setErrors] = useState<Partial<Record<FieldName, string>>>({});
  const [filter, setFilter] = useState<AuditFilter | null>(null);
  const [rows, setRows] = useState<LedgerEntry[]>([]);
  const [more, setMore] = useState(false);
  const [exported, setExported] = useState<string | null>(null);

  /** The form as a filter, or null (with the field errors shown) when a value cannot be sent. */
  const read = (): AuditFilter | null => {
    const found: Partial<Record<FieldName, string>> = {};
    if (actor.trim() && !GUID.test(actor.trim())) found.actor = 'Enter a full id (36 characters), e.g. from a user or organization page.';
    if (subject.trim() && !GUID.test(subject.trim())) found.subject = 'Enter a full id (36 characters).';
    if (type.trim() && !TYPE.test(type.trim())) found.type = 'Enter a transaction type such as records.write.';
    const fromIso = from ? new Date(from).toISOString() : undefined;
    const toIso = to ? new Date(to).toISOString() : undefined;
    if (fromIso && toIso && toIso <= fromIso) found.to = 'Choose a time after "From".';
    setErrors(found);
    if (Object.keys(found).length > 0) return null;
    return {
      actor: actor.trim() || undefined, subject: subject.trim() || undefined, type: type.trim() || undefined, from: fromIso, to: toIso,
      valid: validity === '' ? undefined : validity === 'valid',
    };
  };

  const search = useAction(async () => {
    const f = read();
    if (!f) return;
    setExported(null);
    const page = await auditSearch(f, PAGE);
    setFilter(f);
    setRows(page);
    setMore(page.length === PAGE);
  });
  const older = useAction(async () => {
    if (!filter || rows.length === 0) return;
    const page = await auditSearch(filter, PAGE, rows[rows.length - 1]!.logIndex);
    setRows([...rows, ...page]);
    setMore(page.length === PAGE);
  });
  const exportCsv = useAction(async () => {
    const f = read();
    if (!f) return;
    const csv = await auditCsv(f);
    downloadText('ledger-audit.csv', csv);
    const n = csv.split('\r\n').filter((l) => l).length - 1;
    setExported(`Exported ${n} transaction${n === 1 ? '' : 's'}.`);
  });

  return (
    <Page title="Audit search">
      <p class="muted">Search the ledger. It holds ids, hashes, counts and amounts only: no names and no medical content.</p>
      <ActionForm class="stack card" noValidate aria-label="Audit search" onSubmit={() => void search.run()}>
        <div class="row">
          <Field id="audit-actor" label="Signed by (user id)" error={errors.actor}>
            <input id="audit-actor" value={actor} onInput={(e) => setActor(e.currentTarget.value)} aria-invalid={errors.actor ? 'true' : undefined} />
          </Field>
          <Field id="audit-subject" label="Names (any id)" hint="A user, organization, record, order…" error={errors.subject}>
            <input id="audit-subject" value={subject} onInput={(e) => setSubject(e.currentTarget.value)} aria-invalid={errors.subject ? 'true' : undefined} />
          </Field>
          <Field id="audit-type" label="Transaction type" hint="e.g. records.read, consent.grant" error={errors.type}>
            <input id="audit-type" value={type} onInput={(e) => setType(e.currentTarget.value)} aria-invalid={errors.type ? 'true' : undefined} />
          </Field>
        </div>
        <div class="row">
          <Field id="audit-from" label="From">
            <input id="audit-from" type="datetime-local" value={from} onInput={(e) => setFrom(e.currentTarget.value)} />
          </Field>
          <Field id="audit-to" label="Until" error={errors.to}>
            <input id="audit-to" type="datetime-local" value={to} onInput={(e) => setTo(e.currentTarget.value)} aria-invalid={errors.to ? 'true' : undefined} />
          </Field>
          <Field id="audit-validity" label="Outcome">
            <select id="audit-validity" value={validity} onChange={(e) => setValidity(e.currentTarget.value)}>
              <option value="">Valid and invalid</option>
              <option value="valid">Valid only</option>
              <option value="invalid">Invalid only</option>
            </select>
          </Field>
        </div>
        <ProblemAlert error={search.error ?? exportCsv.error} />
        {exported && <Notice kind="success">{exported}</Notice>}
        <div class="row">
          <Button type="submit" busy={search.busy} busyLabel="Searching…">Search</Button>
          <Button kind="secondary" onClick={() => void exportCsv.run()} busy={exportCsv.busy} busyLabel="Exporting…">Download CSV</Button>
        </div>
      </ActionForm>
      {filter && rows.length === 0 && <Empty>No transactions match.</Empty>}
      {rows.length > 0 && (
        <DataTable label="Audit results" columns={['When (signed)', 'Type', 'Signed by', 'Outcome', 'Log index', 'Transaction', { label: 'Payload', class: 'hide-narrow' }]}
          caption={<>{rows.length} transaction{rows.length === 1 ? '' : 's'}, newest first</>} class="card" busy={older.busy}>
          {rows.map((t) => (
            <tr key={t.id}>
              <td>{formatDateTime(t.timestampMs)}</td>
              <td>{t.type}</td>
              <td><ShortId id={t.actorId} /></td>
              <td>{t.valid ? 'valid' : `invalid${t.reason ? `: ${t.reason}` : ''}`}</td>
              <td>{t.logIndex}</td>
              <td><ShortId id={t.id} /></td>
              <td class="hide-narrow"><code class="payload">{payloadText(t.payload)}</code></td>
            </tr>
          ))}
        </DataTable>
      )}
      <ProblemAlert error={older.error} />
      {more && <Button kind="secondary" onClick={() => void older.run()} busy={older.busy} busyLabel="Loading…">Show older</Button>}
    </Page>
  );
}
