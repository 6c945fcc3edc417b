import { useEffect, useMemo, useState } from 'preact/hooks';
import type { ComponentChildren } from 'preact';
import { requireSession } from '../../app/session';
import { Button, Empty, Page, ProblemAlert, ShortId, Spinner, VerifiedMark, formatDateTime } from '../../ui/components';
import { useAction, useAsync } from '../../ui/hooks';
import { myLedgerEntries, type LedgerEntry } from '../../sdk/ledger';
import { groupAccessLog, verifyAccessLogEntry, type AccessLogEntry } from '../../sdk/accessLog';
import { myBreakGlassEvents, reasonLabel, verifiedReason, type BreakGlassEvent } from '../../sdk/breakGlass';
import { bedTypeLabel } from '../../sdk/hospitals';
import { knownEmail, useHospitalName, useRoleLabel } from './people';
import './patient.css';

const PAGE_SIZE = 100;

/**
 * A person in words: "You", "Dr. <email or id>" for doctors, otherwise their role and id. Professional names come from
 * the public directory once it has them; today that is the role and id (or an email typed in this tab).
 */
function Person(props: { id: string | undefined; lower?: boolean }) {
  const me = requireSession().tokens.user.id;
  const role = useRoleLabel(props.id, props.id === me);
  if (!props.id) return <>someone</>;
  if (props.id === me) return <strong>{props.lower ? 'you' : 'You'}</strong>;
  const email = knownEmail(props.id);
  const name = email ? <>{email}</> : <ShortId id={props.id} />;
  if (role === 'Doctor') return <>Dr. {name}</>;
  return (
    <>
      {role ?? 'User'} {name}
    </>
  );
}

function Hospital(props: { id: string | undefined }) {
  const name = useHospitalName(props.id);
  if (!props.id) return <>a hospital</>;
  return name ? <>{name}</> : <>hospital <ShortId id={props.id} /></>;
}

function plural(n: number, one: string, many: string): string {
  return n === 1 ? `1 ${one}` : `${n} ${many}`;
}

/** "a bed", "an ICU bed": the bed type when the ledger still names it. */
function bedPhrase(bedType: string | undefined): string {
  if (!bedType) return 'a bed';
  const label = bedTypeLabel(bedType);
  return `${/^[AEIOU]/.test(label) ? 'an' : 'a'} ${label === 'ICU' ? label : label.toLowerCase()} bed`;
}

/** One sentence per entry, from the (verified) ledger facts: never a raw transaction name. */
function Describe(props: { entry: AccessLogEntry; breakGlass?: { event: BreakGlassEvent; verified: boolean } }): ComponentChildren {
  const { entry } = props;
  const tx = entry.transactions[0]!;
  const p = tx.payload;
  switch (entry.type) {
    case 'records.read':
      return entry.recordCount === 1 ? (
        <><Person id={entry.who} /> opened record <ShortId id={p.recordId ?? ''} />{entry.count > 1 && <> ({entry.count} times)</>}</>
      ) : (
        <><Person id={entry.who} /> opened {plural(entry.recordCount, 'record', 'records')}{entry.count > entry.recordCount && <> ({entry.count} times)</>}</>
      );
    case 'records.write':
      return p.version === '1'
        ? <><Person id={tx.actorId} /> added a new record <ShortId id={p.recordId ?? ''} /></>
        : <><Person id={tx.actorId} /> added version {p.version} of record <ShortId id={p.recordId ?? ''} /></>;
    case 'records.access-denied':
      return <><Person id={p.readerId} /> was refused access{p.recordId && <> to record <ShortId id={p.recordId} /></>}</>;
    case 'records.access-denied-summary':
      return <><Person id={p.readerId} /> was refused access {plural(Number(p.count ?? 0), 'more time', 'more times')}</>;
    case 'consent.grant':
      return <><Person id={tx.actorId} /> shared {p.scope === 'all' ? 'all records' : p.scope === 'categories' ? 'some kinds of records' : 'some records'} with <Person id={p.granteeId} lower /></>;
    case 'consent.revoke':
      return <><Person id={tx.actorId} /> stopped a sharing (grant <ShortId id={p.grantId ?? ''} />)</>;
    case 'care.assign':
      return p.patientId === requireSession().tokens.user.id
        ? <><Hospital id={p.hospitalId} /> assigned <Person id={p.doctorId} lower /> to your care</>
        : <><Hospital id={p.hospitalId} /> assigned <Person id={p.doctorId} lower /> to the care of <Person id={p.patientId} lower /></>;
    case 'care.unassign':
      return <><Hospital id={p.hospitalId} /> ended the care assignment of <Person id={p.doctorId} lower /></>;
    case 'care.register':
      return <><Person id={tx.actorId} /> registered with <Hospital id={p.hospitalId} /></>;
    case 'care.withdraw':
      return <><Person id={tx.actorId} /> withdrew the registration with <Hospital id={p.hospitalId} /></>;
    case 'emergency.designate':
      return <><Person id={tx.actorId} /> made the emergency summary available to <Hospital id={p.hospitalId} /></>;
    case 'emergency.withdraw':
      return <><Person id={tx.actorId} /> withdrew the emergency access of <Hospital id={p.hospitalId} /></>;
    case 'emergency.break-glass': {
      const bg = props.breakGlass;
      return (
        <>
          Emergency access by <Person id={p.doctorId} lower /> at <Hospital id={p.hospitalId} />
          {bg && (
            <> — reason: {reasonLabel(bg.event.reason)} {bg.verified ? <span class="badge ok">matches the ledger</span> : <span class="badge bad">does NOT match the ledger</span>}</>
          )}
        </>
      );
    }
    case 'beds.book':
      return <><Person id={p.patientId} /> booked {bedPhrase(p.bedType)} at <Hospital id={p.hospitalId} /></>;
    case 'beds.admit':
      return <><Hospital id={p.hospitalId} /> admitted you to the booked bed</>;
    case 'beds.release':
      return <><Hospital id={p.hospitalId} /> released the bed hold</>;
    case 'beds.expire':
      return <>The bed hold at <Hospital id={p.hospitalId} /> expired</>;
    case 'beds.cancel':
      return <><Person id={p.actorUserId || tx.actorId} /> cancelled the bed booking at <Hospital id={p.hospitalId} /></>;
    case 'records.amend-request':
      return <><Person id={tx.actorId} /> asked for a correction of record <ShortId id={p.recordId ?? ''} /> (version {p.version})</>;
    case 'records.amend-decide':
      return p.decision === 'accepted'
        ? <><Person id={tx.actorId} /> accepted the correction request on record <ShortId id={p.recordId ?? ''} /> with version {p.resolvedVersion}</>
        : <><Person id={tx.actorId} /> declined the correction request on record <ShortId id={p.recordId ?? ''} /> (the reason is in your records)</>;
    case 'identity.register-keys':
      return <><Person id={p.userId} /> registered encryption and signing keys</>;
    case 'identity.rotate-keys':
      return <><Person id={p.userId} /> replaced the account keys</>;
    case 'identity.verify':
      return <>The platform administrator {p.decision === 'approved' ? 'verified' : 'decided on'} the account</>;
    default:
      return <>An event concerning you was recorded by <Person id={tx.actorId} lower /></>;
  }
}

function EntryRow(props: { entry: AccessLogEntry; breakGlass?: { event: BreakGlassEvent; verified: boolean } }) {
  const { entry } = props;
  const [verified, setVerified] = useState<boolean | null>(null);
  const key = entry.transactions.map((t) => t.id).join(',');
  useEffect(() => {
    const ctl = new AbortController();
    setVerified(null);
    void verifyAccessLogEntry(entry, ctl.signal).then((ok) => !ctl.signal.aborted && setVerified(ok));
    return () => ctl.abort();
  }, [key]);
  const rejected = entry.transactions.find((t) => !t.valid);
  const last = entry.transactions[entry.transactions.length - 1]!;
  return (
    <li data-type={entry.type} data-count={entry.count}>
      <time dateTime={new Date(entry.lastMs).toISOString()}>
        {formatDateTime(entry.lastMs)}
        {entry.count > 1 && entry.firstMs !== entry.lastMs && <span class="muted"> (from {formatDateTime(entry.firstMs)})</span>}
      </time>
      <span class="what">
        <Describe entry={entry} breakGlass={props.breakGlass} />
        {rejected && <span class="badge bad"> rejected by the ledger: {rejected.reason}</span>}
        {entry.count > 1 && (
          <details>
            <summary>{entry.count} ledger transactions, each with its own proof</summary>
            <ul>
              {entry.transactions.map((t) => (
                <li key={t.id}>
                  {formatDateTime(t.timestampMs)} · record <ShortId id={t.payload.recordId ?? ''} /> · block {t.blockHeight} · tx <ShortId id={t.id} />
                </li>
              ))}
            </ul>
          </details>
        )}
      </span>
      <span class="muted hide-narrow">
        block {last.blockHeight} · tx <ShortId id={last.id} />
      </span>
      <VerifiedMark
        ok={verified}
        label={verified === null ? undefined : verified ? (entry.count > 1 ? `${entry.count} proofs verified` : 'proof verified') : 'NOT verified'}
        title={verified ? 'Inclusion proof and peer signature of every transaction checked in this browser' : undefined}
      />
    </li>
  );
}

/** The break-glass events about this patient with their reason checked against the doctor's ledger commitment. */
async function breakGlassByTransaction(signal: AbortSignal): Promise<Map<string, { event: BreakGlassEvent; verified: boolean }>> {
  const events = await myBreakGlassEvents(signal);
  const checked = await Promise.all(events.map(async (event) => ({ event, verified: await verifiedReason(event, signal) })));
  return new Map(checked.map((c) => [c.event.transactionId, c]));
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
  const breakGlass = useAsync((signal) => breakGlassByTransaction(signal), []);
  const raw = useMemo(() => [...(first.data ?? []), ...older], [first.data, older]);
  const entries = useMemo(() => groupAccessLog(raw), [raw]);
  const loadOlder = useAction(async () => {
    const last = raw[raw.length - 1];
    if (!last) return;
    const page = await myLedgerEntries(PAGE_SIZE, last.logIndex);
    setOlder((o) => [...o, ...page]);
    if (page.length < PAGE_SIZE) setExhausted(true);
  });
  return (
    <Page title="Access log" actions={<Button kind="secondary" onClick={() => { first.reload(); breakGlass.reload(); }}>Refresh</Button>}>
      <p class="muted">
        Every read, write, share, booking and emergency access that concerns you, from the ledger. Repeated reads by the same person close
        together are one line with a count. Every transaction's proof is checked here, in your browser, against the ledger peer's key.
      </p>
      <ProblemAlert error={first.error} />
      {first.loading && <Spinner label="Loading the access log…" />}
      {first.data && entries.length === 0 && <Empty>Nothing has been recorded about you yet.</Empty>}
      <ol class="log" aria-label="Access log, newest first">
        {entries.map((e) => (
          <EntryRow key={e.transactions[0]!.id} entry={e} breakGlass={breakGlass.data?.get(e.transactions[0]!.id)} />
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
