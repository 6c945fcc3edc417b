import { useEffect, useState } from 'preact/hooks';
import { requireSession } from '../../app/session';
import { Button, Empty, Page, ProblemAlert, ShortId, Spinner, VerifiedMark, formatDateTime } from '../../ui/components';
import { useAction, useAsync } from '../../ui/hooks';
import { myLedgerEntries, verifyLedgerEntry, type LedgerEntry } from '../../sdk/ledger';
import { useHospitalName, useRoleLabel } from './people';
import './patient.css';

const PAGE_SIZE = 50;

function Person(props: { id: string | undefined }) {
  const me = requireSession().tokens.user.id;
  const role = useRoleLabel(props.id, props.id === me);
  if (!props.id) return <>someone</>;
  if (props.id === me) return <strong>You</strong>;
  return (
    <>
      {role ?? 'User'} <ShortId id={props.id} />
    </>
  );
}

function Hospital(props: { id: string | undefined }) {
  const name = useHospitalName(props.id);
  if (!props.id) return null;
  return name ? <>{name}</> : <>hospital <ShortId id={props.id} /></>;
}

function Rec(props: { id: string | undefined; version?: string }) {
  if (!props.id) return null;
  return (
    <>
      record <ShortId id={props.id} />
      {props.version && ` v${props.version}`}
    </>
  );
}

/** One sentence per transaction type, from the (verified) payload. */
function Describe(props: { entry: LedgerEntry }) {
  const { type, payload: p, actorId } = props.entry;
  switch (type) {
    case 'records.read':
      return <><Person id={p.readerId} /> opened <Rec id={p.recordId} version={p.version} /></>;
    case 'records.write':
      return <><Person id={actorId} /> wrote <Rec id={p.recordId} version={p.version} /></>;
    case 'records.access-denied':
      return <><Person id={p.readerId} /> was refused access{p.recordId && <> to <Rec id={p.recordId} /></>} ({p.reason})</>;
    case 'consent.grant':
      return <><Person id={actorId} /> shared {p.scope === 'all' ? 'all records' : p.scope} with <Person id={p.granteeId} /></>;
    case 'consent.revoke':
      return <><Person id={actorId} /> revoked grant <ShortId id={p.grantId ?? ''} /></>;
    case 'care.assign':
      return <><Person id={actorId} /> assigned <Person id={p.doctorId} /> to <Person id={p.patientId} /> at <Hospital id={p.hospitalId} /></>;
    case 'care.unassign':
      return <><Person id={actorId} /> ended the care assignment of <Person id={p.doctorId} /></>;
    case 'care.register':
      return <><Person id={actorId} /> registered with <Hospital id={p.hospitalId} /></>;
    case 'care.withdraw':
      return <><Person id={actorId} /> withdrew the registration with <Hospital id={p.hospitalId} /></>;
    case 'emergency.designate':
      return <><Person id={actorId} /> made the emergency summary available to <Hospital id={p.hospitalId} /></>;
    case 'emergency.break-glass':
      return <><Person id={p.doctorId} /> broke the glass at <Hospital id={p.hospitalId} /> (reason: {p.reason})</>;
    case 'identity.register-keys':
      return <><Person id={p.userId} /> registered encryption and signing keys</>;
    case 'identity.rotate-keys':
      return <><Person id={p.userId} /> replaced their keys</>;
    case 'identity.verify':
      return <>Account verification: {p.decision}</>;
    default:
      return <>{type} by <Person id={actorId} /></>;
  }
}

function EntryRow(props: { entry: LedgerEntry }) {
  const { entry } = props;
  const [verified, setVerified] = useState<boolean | null>(null);
  useEffect(() => {
    const ctl = new AbortController();
    setVerified(null);
    void verifyLedgerEntry(entry, ctl.signal).then((ok) => !ctl.signal.aborted && setVerified(ok));
    return () => ctl.abort();
  }, [entry.id]);
  return (
    <li data-type={entry.type}>
      <time dateTime={new Date(entry.timestampMs).toISOString()}>{formatDateTime(entry.timestampMs)}</time>
      <span class="what">
        <Describe entry={entry} />
        {!entry.valid && <span class="badge bad"> rejected by the ledger: {entry.reason}</span>}
      </span>
      <span class="muted hide-narrow">
        block {entry.blockHeight} · tx <ShortId id={entry.id} />
      </span>
      <VerifiedMark
        ok={verified}
        label={verified === null ? undefined : verified ? 'proof verified' : 'NOT verified'}
        title={verified ? 'Inclusion proof and peer signature checked in this browser' : undefined}
      />
    </li>
  );
}

export function AccessLogPage() {
  const [older, setOlder] = useState<LedgerEntry[]>([]);
  const [exhausted, setExhausted] = useState(false);
  const first = useAsync(async (signal) => {
    const page = await myLedgerEntries(PAGE_SIZE, undefined, signal);
    setOlder([]);
    setExhausted(page.length < PAGE_SIZE);
    return page;
  }, []);
  const entries = [...(first.data ?? []), ...older];
  const loadOlder = useAction(async () => {
    const last = entries[entries.length - 1];
    if (!last) return;
    const page = await myLedgerEntries(PAGE_SIZE, last.logIndex);
    setOlder((o) => [...o, ...page]);
    if (page.length < PAGE_SIZE) setExhausted(true);
  });
  return (
    <Page title="Access log" actions={<Button kind="secondary" onClick={first.reload}>Refresh</Button>}>
      <p class="muted">
        Every read, write, share and emergency access that concerns you, from the ledger. Each entry's proof is checked here, in your browser,
        against the ledger peer's key.
      </p>
      <ProblemAlert error={first.error} />
      {first.loading && <Spinner label="Loading the access log…" />}
      {first.data && entries.length === 0 && <Empty>Nothing has been recorded about you yet.</Empty>}
      <ol class="log" aria-label="Ledger entries, newest first">
        {entries.map((e) => (
          <EntryRow key={e.id} entry={e} />
        ))}
      </ol>
      <ProblemAlert error={loadOlder.error} />
      {first.data && !exhausted && (
        <Button kind="secondary" busy={loadOlder.busy} busyLabel="Loading…" onClick={() => void loadOlder.run()}>
          Load older entries
        </Button>
      )}
    </Page>
  );
}
