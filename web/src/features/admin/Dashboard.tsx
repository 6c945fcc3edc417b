import { Link } from '../../app/router';
import { useState } from 'preact/hooks';
import { adminDashboard, consortiumStatus, ledgerActivity, type AdminDashboard, type ConsortiumStatus, type LedgerActivity } from '../../sdk/admin';
import { formatMinor } from '../../sdk/pharmacy';
import { Button, Card, DataTable, Empty, Field, formatDate, formatDateTime, formatTime, Page, ProblemAlert, Spinner } from '../../ui/components';
import { words } from './labels';
import { useAsync } from '../../ui/hooks';

const time = (iso: string) => formatTime(iso);

/**
 * The admin's monitoring dashboard (issue 19 item 3): figures the server builds from metadata only — accounts, the
 * verification backlog, ledger activity and the last full verify, security events, break-glass reviews, beds, payments.
 */
export function Dashboard() {
  const d = useAsync((signal) => adminDashboard(signal), []);
  return (
    <Page title="Dashboard" actions={<Button kind="secondary" onClick={d.reload} busy={d.loading} busyLabel="Refreshing…">Refresh</Button>}>
      <p class="muted">Counts, ids, amounts and times only: no names and no medical content.{d.data && ` As of ${formatDateTime(d.data.asOf)}.`}</p>
      <ProblemAlert error={d.error} />
      {d.loading && !d.data && <Spinner label="Loading figures…" />}
      {d.data && <Figures d={d.data} />}
    </Page>
  );
}

function Figures({ d }: { d: AdminDashboard }) {
  const lastHour = d.ledger.lastHour.reduce((n, m) => n + m.transactions, 0);
  const v = d.ledger.lastVerify;
  return (
    <>
      <section class="stat-grid" aria-label="Key figures">
        <Stat label="Ledger height" value={d.ledger.height} detail={`${d.ledger.treeSize} transactions`} />
        <Stat label="Transactions, last hour" value={lastHour} detail={`${d.ledger.invalidEver} invalid ever`} />
        <Stat label="Awaiting verification" value={d.organizationsAwaitingVerification + d.professionalsAwaitingVerification}
          detail={`${d.organizationsAwaitingVerification} organizations, ${d.professionalsAwaitingVerification} professionals`} href="/admin/verifications" />
        <Stat label="Break-glass to review" value={d.breakGlassAwaitingReview} href="/admin/break-glass" />
        <Stat label="Last full ledger verify" value={v ? (v.ok ? 'OK' : 'FAILED') : 'never'}
          detail={v ? `${formatDateTime(v.finishedAt)}, up to block ${v.headHeight}` : 'Run medledger ledger verify'} />
      </section>
      {v && !v.ok && <p role="alert" class="alert error">The last full verify failed: {v.summary}</p>}

      <ActivityCard asOf={d.asOf} />

      <ConsortiumCard />

      <div class="grid-2">
        <Card title="Accounts by role">
          <DataTable label="Accounts by role" columns={['Role', 'Accounts', 'Suspended', 'Awaiting verification']}>
            {d.users.map((u) => (
              <tr key={u.role}>
                <td>{words(u.role)}</td>
                <td>{u.total}</td>
                <td>{u.suspended}</td>
                <td>{u.awaitingVerification}</td>
              </tr>
            ))}
          </DataTable>
        </Card>
        <Card title="Security events, last 24 hours">
          {d.securityEventsLastDay.length === 0 && <Empty>None.</Empty>}
          {d.securityEventsLastDay.length > 0 && (
            <DataTable label="Security events by kind" columns={['Kind', 'Events']}>
              {d.securityEventsLastDay.map((e) => (
                <tr key={e.kind}>
                  <td>{words(e.kind)}</td>
                  <td>{e.count}</td>
                </tr>
              ))}
            </DataTable>
          )}
          <p><Link href="/admin/security-events">All security events</Link></p>
        </Card>
      </div>

      <div class="grid-2">
        <Card title="Beds by hospital">
          {d.beds.length === 0 && <Empty>No hospital has beds yet.</Empty>}
          {d.beds.length > 0 && (
            <DataTable label="Beds by hospital" columns={['Hospital', 'Beds', 'Occupied', 'Held', 'Free', 'Occupancy']}>
              {d.beds.map((b) => (
                <tr key={b.hospitalId}>
                  <td>{b.name}</td>
                  <td>{b.total}</td>
                  <td>{b.occupied}</td>
                  <td>{b.held}</td>
                  <td>{b.free}</td>
                  <td>{b.total === 0 ? '—' : `${Math.round((100 * b.occupied) / b.total)} %`}</td>
                </tr>
              ))}
            </DataTable>
          )}
          <p><Link href="/admin/occupancy">Occupancy chart</Link></p>
        </Card>
        <Card title="Payments, last 30 days">
          {d.paymentsLast30Days.length === 0 && <Empty>No payments yet.</Empty>}
          {d.paymentsLast30Days.length > 0 && (
            <DataTable label="Payments by currency" columns={['Currency', 'Payments', 'Paid', 'Refunds', 'Refunded', 'Net']}>
              {d.paymentsLast30Days.map((p) => (
                <tr key={p.currency}>
                  <td>{p.currency}</td>
                  <td>{p.payments}</td>
                  <td>{formatMinor(p.paid, p.currency)}</td>
                  <td>{p.refunds}</td>
                  <td>{formatMinor(p.refunded, p.currency)}</td>
                  <td>{formatMinor(p.net, p.currency)}</td>
                </tr>
              ))}
            </DataTable>
          )}
        </Card>
        <Card title="Insurance claims">
          {d.insuranceClaims.length === 0 && <Empty>No claims yet.</Empty>}
          {d.insuranceClaims.length > 0 && (
            <DataTable
              label="Claims by insurer"
              columns={['Insurer', 'Claims', 'Awaiting decision', 'Approved', 'Partly approved', 'Rejected', 'Reversed', 'Paid', 'Disputed', 'Claimed', 'Approved amount', 'Paid amount', 'Approval rate']}
            >
              {d.insuranceClaims.map(({ insurer, figures: f }) => (
                <tr key={`${f.insurerId}-${f.currency}`}>
                  <th scope="row">{insurer}</th>
                  <td>{f.claims}</td>
                  <td>{f.awaitingDecision}</td>
                  <td>{f.approved}</td>
                  <td>{f.partlyApproved}</td>
                  <td>{f.rejected}</td>
                  <td>{f.reversed}</td>
                  <td>{f.paid}</td>
                  <td>{f.disputed}</td>
                  <td>{formatMinor(f.claimedMinor, f.currency)}</td>
                  <td>{formatMinor(f.approvedMinor, f.currency)}</td>
                  <td>{formatMinor(f.paidMinor, f.currency)}</td>
                  <td>{f.approvalRate === null ? '—' : `${Math.round(f.approvalRate * 100)} %`}</td>
                </tr>
              ))}
            </DataTable>
          )}
        </Card>
      </div>
    </>
  );
}

function Stat(props: { label: string; value: number | string; detail?: string; href?: string }) {
  return (
    <div class="stat card">
      <div class="stat-label">{props.label}</div>
      <div class="stat-value">{props.href ? <Link href={props.href}>{String(props.value)}</Link> : props.value}</div>
      {props.detail && <div class="muted stat-detail">{props.detail}</div>}
    </div>
  );
}

const W = 720;
const H = 220;
const LEFT = 48;
const BOTTOM = 36;
const TOP = 12;

type Range = LedgerActivity['range'];
type Bucket = LedgerActivity['buckets'][number];

/** Per range: the select's words, the bucket's unit, how a bucket is labelled and how often the x axis is. */
const RANGES: Record<Range, { words: string; unit: string; label: (iso: string) => string; every: number }> = {
  hour: { words: 'Last hour', unit: 'minute', label: time, every: 10 },
  day: { words: 'Last 24 hours', unit: 'hour', label: time, every: 4 },
  week: { words: 'Last 7 days', unit: 'day', label: formatDate, every: 1 },
};

/**
 * Ledger activity over the last hour, 24 hours or 7 days, per minute, hour or day (GET /api/admin/ledger-activity, block
 * metadata only). Reloads with the dashboard (asOf) and when the range changes.
 */
function ActivityCard({ asOf }: { asOf: string }) {
  const [range, setRange] = useState<Range>('hour');
  const a = useAsync((signal) => ledgerActivity(range, signal), [range, asOf]);
  const r = RANGES[range];
  return (
    <Card title={`Ledger activity, ${r.words.toLowerCase()}`}>
      <Field id="activity-range" label="Range">
        <select id="activity-range" value={range} onChange={(e) => setRange(e.currentTarget.value as Range)}>
          {(Object.keys(RANGES) as Range[]).map((k) => <option key={k} value={k}>{RANGES[k].words}</option>)}
        </select>
      </Field>
      <ProblemAlert error={a.error} />
      {a.loading && !a.data && <Spinner label="Loading ledger activity…" />}
      {a.data && a.data.range === range && (
        <>
          <ActivityChart buckets={a.data.buckets} range={range} />
          <details>
            <summary>Show as a table</summary>
            <DataTable label={`Transactions per ${r.unit}`} columns={[words(r.unit), 'Transactions', 'Invalid']}>
              {a.data.buckets.filter((m) => m.transactions > 0).map((m) => (
                <tr key={m.start}>
                  <td>{r.label(m.start)}</td>
                  <td>{m.transactions}</td>
                  <td>{m.invalid}</td>
                </tr>
              ))}
            </DataTable>
          </details>
        </>
      )}
    </Card>
  );
}

/**
 * Transactions per bucket as columns (invalid ones stacked on top in red), with a y axis (0, half, max) and a labelled x axis.
 * Inline SVG, as the occupancy chart; the table under it carries the same numbers.
 */
function ActivityChart(props: { buckets: Bucket[]; range: Range }) {
  const r = RANGES[props.range];
  const max = Math.max(1, ...props.buckets.map((m) => m.transactions));
  const plotW = W - LEFT - 8;
  const plotH = H - TOP - BOTTOM;
  const step = plotW / Math.max(1, props.buckets.length);
  const y = (n: number) => TOP + plotH - (n / max) * plotH;
  const ticks = [0, Math.round(max / 2), max].filter((t, i, a) => a.indexOf(t) === i);
  return (
    <svg viewBox={`0 0 ${W} ${H}`} role="img" data-testid="activity-chart"
      aria-label={`Ledger transactions per ${r.unit} over the ${r.words.toLowerCase()}; the table below lists the same numbers`}>
      {ticks.map((t) => (
        <g key={`y${t}`}>
          <line x1={LEFT} x2={W - 8} y1={y(t)} y2={y(t)} stroke="#d6dbe1" />
          <text x={LEFT - 6} y={y(t) + 4} text-anchor="end" font-size="12" fill="#1b2430">{t}</text>
        </g>
      ))}
      <text x={12} y={TOP + plotH / 2} font-size="12" fill="#1b2430" transform={`rotate(-90 12 ${TOP + plotH / 2})`} text-anchor="middle">{`tx / ${r.unit === 'minute' ? 'min' : r.unit}`}</text>
      {props.buckets.map((m, i) => {
        const x = LEFT + i * step + 1;
        const valid = m.transactions - m.invalid;
        return (
          <g key={m.start}>
            {valid > 0 && (
              <rect x={x} y={y(valid)} width={Math.max(1, step - 2)} height={TOP + plotH - y(valid)} fill="#1f5fa8">
                <title>{`${r.label(m.start)}: ${m.transactions} transactions, ${m.invalid} invalid`}</title>
              </rect>
            )}
            {m.invalid > 0 && (
              <rect x={x} y={y(m.transactions)} width={Math.max(1, step - 2)} height={y(valid) - y(m.transactions)} fill="#b3261e" />
            )}
            {i % r.every === 0 && (
              <text x={x} y={H - BOTTOM + 16} font-size="12" fill="#1b2430">{r.label(m.start)}</text>
            )}
          </g>
        );
      })}
      <line x1={LEFT} x2={W - 8} y1={TOP + plotH} y2={TOP + plotH} stroke="#1b2430" />
      <text x={LEFT + plotW / 2} y={H - 4} font-size="12" fill="#1b2430" text-anchor="middle">{`${r.unit} (local time)`}</text>
    </svg>
  );
}

/**
 * The ledger consortium (issue 14): members and threshold, who certified the newest block, and evidence this peer holds
 * against a member that signed a header it did not compute (that member is left out of certificates). Hashes only.
 */
function ConsortiumCard() {
  const c = useAsync((signal) => consortiumStatus(signal), []);
  return (
    <Card title="Ledger consortium">
      <ProblemAlert error={c.error} />
      {c.loading && !c.data && <Spinner label="Loading the consortium…" />}
      {c.data && <ConsortiumDetails c={c.data} />}
    </Card>
  );
}

/** GET /api/admin/consortium's membership fields (issue 14 item 3): add-peer proposals still collecting approvals, and each view since genesis. */
type ConsortiumMembership = ConsortiumStatus & {
  pending?: { digest: string; peerId: string; threshold: number; approvers: string[]; needed: number }[];
  history?: { fromHeight: number; fingerprint: string; threshold: number; members: string[]; transactionIds: string[] }[];
};

function ConsortiumDetails({ c }: { c: ConsortiumMembership }) {
  const short = (hex: string) => `${hex.slice(0, 16)}…`;
  return (
    <>
      <p>
        {c.members.length === 1 ? 'One peer (the embedded ledger): its signature certifies each block.' : `${c.members.length} peers; a block is certified by ${c.threshold} of them.`}
        {' '}Consortium fingerprint <code>{c.fingerprint}</code> (compare it with the one your clients pinned).
      </p>
      {c.head && (
        <p>
          Newest block {c.head.height}: {c.head.certified ? 'certified' : 'not yet certified'} by {c.head.signers.join(', ') || 'no member'}.
        </p>
      )}
      <DataTable label="Consortium members" columns={['Peer', 'This server', 'Standing']}>
        {c.members.map((m) => (
          <tr key={m.peerId}>
            <th scope="row">{m.peerId}</th>
            <td>{m.thisPeer ? 'yes' : ''}</td>
            <td>{m.excluded ? 'Excluded: evidence held' : 'Member'}</td>
          </tr>
        ))}
      </DataTable>
      {(c.pending ?? []).length > 0 && (
        <DataTable label="Proposed members" columns={['Peer', 'Threshold after', 'Approved by', 'Needed']}>
          {(c.pending ?? []).map((p) => (
            <tr key={p.digest}>
              <th scope="row">{p.peerId}</th>
              <td>{p.threshold}</td>
              <td>{p.approvers.join(', ')}</td>
              <td>{p.approvers.length} of {p.needed}</td>
            </tr>
          ))}
        </DataTable>
      )}
      {(c.history ?? []).length > 0 && (
        <DataTable label="Membership history" columns={['From block', 'Fingerprint', 'Threshold', 'Members']}>
          {(c.history ?? []).map((h) => (
            <tr key={h.fingerprint}>
              <th scope="row">{h.fromHeight === 1 ? '1 (genesis)' : h.fromHeight}</th>
              <td><code>{h.fingerprint}</code></td>
              <td>{h.threshold} of {h.members.length}</td>
              <td>{h.members.join(', ')}</td>
            </tr>
          ))}
        </DataTable>
      )}
      {c.evidence.length === 0 && <Empty>No evidence against any member.</Empty>}
      {c.evidence.length > 0 && (
        <>
          <p role="alert" class="alert error">
            {c.evidence.length === 1 ? 'One member signed' : `${c.evidence.length} times a member signed`} a block header this server did not compute.
            The signed header and signature are kept as evidence (GET /api/admin/consortium serves them whole).
          </p>
          <DataTable label="Evidence against members" columns={['Member', 'Block', 'Their header', 'Our header', 'Found', 'Signature']}>
            {c.evidence.map((e) => (
              <tr key={`${e.peerId}-${e.height}`}>
                <th scope="row">{e.peerId}</th>
                <td>{e.height}</td>
                <td><code>{short(e.theirHeaderHash)}</code></td>
                <td><code>{short(e.ourHeaderHash)}</code></td>
                <td>{formatDateTime(e.foundAt)}</td>
                <td>{e.signatureVerifies ? "verifies with the member's key" : 'does not verify'}</td>
              </tr>
            ))}
          </DataTable>
        </>
      )}
    </>
  );
}
