import { useState } from 'preact/hooks';
import { Link } from '../../app/router';
import { attachApplicationDocuments } from '../../sdk/claimDocuments';
import { applyForInsurance, insurancePlans, todayUtc } from '../../sdk/insurance';
import { listRecords } from '../../sdk/records';
import { formatMoney } from '../../sdk/wallet';
import { Button, Card, DataTable, Empty, Notice, Page, ProblemAlert, Spinner, formatDate } from '../../ui/components';
import { useAction, useAsync } from '../../ui/hooks';
import { benefitText } from './format';

/**
 * Patient: open plans of verified insurers; apply with a first day of cover (applying again for the same plan and day is harmless),
 * optionally attaching records: linked to the application and sealed here for the insurer's verified staff (purpose
 * insurance-application), open to them while the application awaits a decision (or after it, if you keep them).
 */
export function InsurancePlans() {
  const plans = useAsync((signal) => insurancePlans(undefined, signal), []);
  const [starts, setStarts] = useState<Record<string, string>>({});
  // One Idempotency-Key per plan and start date: a retry after a lost answer returns the first application.
  const [keys] = useState(() => new Map<string, string>());
  const [done, setDone] = useState<string | null>(null);
  const records = useAsync(() => listRecords({}), []);
  const [attached, setAttached] = useState<string[]>([]);
  const [keep, setKeep] = useState(false);
  const apply = useAction(async (planId: string, name: string) => {
    setDone(null);
    const start = starts[planId] ?? todayUtc();
    const slot = `${planId}|${start}`;
    if (!keys.has(slot)) keys.set(slot, crypto.randomUUID());
    const a = await applyForInsurance(planId, start, keys.get(slot));
    let sealed = '';
    if (attached.length > 0) {
      const staff = await attachApplicationDocuments(a.id, attached, keep);
      sealed = ` ${attached.length} document(s) attached and sealed for ${staff.length} verified insurer staff member(s).`;
      setAttached([]);
    }
    setDone(`Applied for "${name}" from ${formatDate(a.periodStart)}: application ${a.id.slice(0, 8)} is ${a.status}.${sealed}`);
  });
  const open = (plans.data ?? []).filter((p) => p.status === 'Open');
  return (
    <Page title="Insurance plans">
      <Card>
        <p><Link href="/insurance/mine">My insurance</Link> shows your applications and policies.</p>
        <ProblemAlert error={plans.error} />
        <ProblemAlert error={apply.error} />
        {done && <Notice kind="success">{done}</Notice>}
        {plans.loading && !plans.data && <Spinner label="Loading plans…" />}
        {plans.data && (open.length === 0 ? <Empty>No insurer offers a plan yet.</Empty> : (
          <DataTable label="Insurance plans" columns={['Plan', 'Insurer', 'Premium', 'Annual limit', 'Benefits', 'Cover from', '']}>
            {open.map((p) => (
              <tr key={p.id} data-plan={p.id}>
                <th scope="row">{p.name}{p.description && <div class="muted">{p.description}</div>}</th>
                <td>{p.insurerName}</td>
                <td>{formatMoney(p.premiumMinor, p.currency)} {p.premiumPeriod.toLowerCase()}</td>
                <td>{formatMoney(p.annualLimitMinor, p.currency)}</td>
                <td>{p.benefits.map((b) => `${b.category}: ${benefitText(b, p.currency)}`).join('; ')}</td>
                <td>
                  <input type="date" aria-label={`Cover from (plan ${p.name})`} min={todayUtc()} value={starts[p.id] ?? todayUtc()}
                    onInput={(e) => setStarts({ ...starts, [p.id]: e.currentTarget.value })} />
                </td>
                <td><Button busy={apply.busy} busyLabel="Applying…" aria-label={`Apply for ${p.name}`} onClick={() => void apply.run(p.id, p.name)}>Apply</Button></td>
              </tr>
            ))}
          </DataTable>
        ))}
      </Card>
      <Card title="Attach records (optional)">
        <p>Records you tick are attached to your next application and sealed for that insurer's verified staff only.</p>
        <ProblemAlert error={records.error} />
        {records.loading && !records.data && <Spinner label="Loading records…" />}
        {records.data && (records.data.length === 0 ? <Empty>You have no records yet.</Empty> : records.data.map((r) => (
          <label key={r.recordId}>
            <input type="checkbox" aria-label={`Attach record ${r.recordId.slice(0, 8)} to the application`} checked={attached.includes(r.recordId)}
              onChange={(e) => { const on = e.currentTarget.checked; setAttached(on ? [...attached, r.recordId] : attached.filter((x) => x !== r.recordId)); }} />
            {` ${r.category} · ${r.contentType} · record ${r.recordId.slice(0, 8)} v${r.latestVersion} · ${formatDate(r.updatedAtMs)}`}
          </label>
        )))}
        <label>
          <input type="checkbox" checked={keep} onChange={(e) => setKeep(e.currentTarget.checked)} />
          {' Keep them open to the insurer after the application is decided'}
        </label>
      </Card>
    </Page>
  );
}
