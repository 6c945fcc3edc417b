import { useState } from 'preact/hooks';
import { insurancePlans, insurerPolicies, insurerPolicy, markPremiumPaid, reinstatePolicy, renewPolicy, suspendPolicy, SUSPEND_REASONS, type VerifiedPolicy } from '../../sdk/insurance';
import { formatMoney } from '../../sdk/wallet';
import { me } from '../../app/session';
import { Button, Card, DataTable, Empty, Notice, Page, ProblemAlert, ShortId, Spinner, VerifiedMark, formatDate, formatDateTime } from '../../ui/components';
import { useAction, useAsync } from '../../ui/hooks';
import { benefitText, policyStatusLabel } from './format';

/**
 * Insurer staff: the insurer's policies (status, cover start, limit); mark a pending premium paid, suspend with a reason code, reinstate, renew — each signed
 * here. "Check" verifies one against its issue receipt and opens the insurer's copy of the card.
 */
export function InsurerPolicies() {
  const insurerId = me.value?.organizationId ?? '';
  const policies = useAsync((signal) => insurerPolicies(signal), []);
  const plans = useAsync((signal) => insurancePlans(insurerId, signal).then((p) => new Map(p.map((x) => [x.id, x.name]))), [insurerId]);
  const [reasons, setReasons] = useState<Record<string, string>>({});
  const [checked, setChecked] = useState<VerifiedPolicy | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const act = useAction(async (id: string, action: 'suspend' | 'reinstate' | 'renew' | 'check' | 'mark-paid') => {
    setDone(null);
    const short = id.slice(0, 8);
    if (action === 'check') {
      setChecked(null);
      setChecked(await insurerPolicy(id));
      return;
    }
    if (action === 'suspend') {
      const reason = reasons[id] ?? SUSPEND_REASONS[0];
      await suspendPolicy(id, reason);
      setDone(`Policy ${short} suspended (${reason}).`);
    } else if (action === 'mark-paid') {
      const marked = await markPremiumPaid(id);
      setDone(`Policy ${short} marked paid: ${marked.status}${marked.coverStart ? `, cover from ${formatDateTime(marked.coverStart)}` : ''}.`);
    } else if (action === 'reinstate') {
      await reinstatePolicy(id);
      setDone(`Policy ${short} reinstated.`);
    } else {
      const next = await renewPolicy(id);
      setDone(`Policy ${short} renewed: policy ${next.policy.id.slice(0, 8)} for the next period, pending until its premium is paid.`);
    }
    policies.reload();
  });
  const list = [...(policies.data ?? [])].reverse();
  return (
    <Page title="Policies">
      <Card title="Policies">
        <ProblemAlert error={policies.error} />
        <ProblemAlert error={act.error} />
        {done && <Notice kind="success">{done}</Notice>}
        {policies.loading && !policies.data && <Spinner label="Loading policies…" />}
        {policies.data && (list.length === 0 ? <Empty>No policies yet.</Empty> : (
          <DataTable label="Policies" columns={['Policy', 'Patient', 'Plan', 'Period', 'Cover from', 'Annual limit', 'Status', '']}>
            {list.map((p) => {
              const short = p.id.slice(0, 8);
              return (
                <tr key={p.id} data-policy={p.id}>
                  <th scope="row"><ShortId id={p.id} /></th>
                  <td><ShortId id={p.patientId} /></td>
                  <td>{plans.data?.get(p.planId) ?? p.planId.slice(0, 8)}</td>
                  <td>{formatDate(p.periodStart)} – {formatDate(p.periodEnd)}</td>
                  <td>{p.coverStart ? formatDateTime(p.coverStart) : '—'}</td>
                  <td>{formatMoney(p.annualLimitMinor, p.currency)}</td>
                  <td data-testid={`insurer-policy-status-${p.id}`}>{policyStatusLabel(p.status)}{p.suspendReason && p.status === 'suspended' && ` (${p.suspendReason})`}</td>
                  <td>
                    <div class="row">
                      <Button kind="secondary" busy={act.busy} busyLabel="Checking…" aria-label={`Check policy ${short}`} onClick={() => void act.run(p.id, 'check')}>Check</Button>
                      {p.status === 'active' && (
                        <>
                          <select aria-label={`Suspend reason for policy ${short}`} value={reasons[p.id] ?? SUSPEND_REASONS[0]}
                            onChange={(e) => setReasons({ ...reasons, [p.id]: e.currentTarget.value })}>
                            {SUSPEND_REASONS.map((r) => <option key={r} value={r}>{r}</option>)}
                          </select>
                          <Button kind="danger" busy={act.busy} busyLabel="Signing…" aria-label={`Suspend policy ${short}`} onClick={() => void act.run(p.id, 'suspend')}>Suspend</Button>
                          <Button kind="secondary" busy={act.busy} busyLabel="Signing and sealing…" aria-label={`Renew policy ${short}`} onClick={() => void act.run(p.id, 'renew')}>Renew</Button>
                        </>
                      )}
                      {p.status === 'pending' && (
                        <Button busy={act.busy} busyLabel="Signing…" aria-label={`Mark paid: policy ${short}`} onClick={() => void act.run(p.id, 'mark-paid')}>Mark paid</Button>
                      )}
                      {p.status === 'suspended' && (
                        <Button busy={act.busy} busyLabel="Signing…" aria-label={`Reinstate policy ${short}`} onClick={() => void act.run(p.id, 'reinstate')}>Reinstate</Button>
                      )}
                    </div>
                  </td>
                </tr>
              );
            })}
          </DataTable>
        ))}
      </Card>
      {checked && (
        <Card title={`Policy ${checked.policy.id.slice(0, 8)}`}>
          <p><VerifiedMark ok label="issue verified on the ledger; terms and card match" /></p>
          <DataTable label="Policy benefits" columns={['Category', 'Terms']}>
            {checked.terms.benefits.map((b) => (
              <tr key={b.category}><th scope="row">{b.category}</th><td>{benefitText(b, checked.terms.currency)}</td></tr>
            ))}
          </DataTable>
        </Card>
      )}
    </Page>
  );
}
