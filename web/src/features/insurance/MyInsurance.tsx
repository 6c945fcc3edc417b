import { useState } from 'preact/hooks';
import { insurancePlans, myApplications, myPolicies, myPolicy, sharePolicyCard, type PolicyView, type VerifiedPolicy } from '../../sdk/insurance';
import { formatMoney, myPayables } from '../../sdk/wallet';
import { organizations } from '../../sdk/organizations';
import { ActionForm, Button, Card, DataTable, Empty, Field, Notice, Page, ProblemAlert, ShortId, Spinner, VerifiedMark, formatDate, formatDateTime } from '../../ui/components';
import { useAction, useAsync } from '../../ui/hooks';
import { benefitText, policyStatusLabel } from './format';
import { usePayPayable } from '../wallet/usePayPayable';

interface MyPolicyRow {
  view: PolicyView;
  verified: VerifiedPolicy | null;
  problem: string | null;
}

/**
 * Patient: your applications (status, decline reason) and policies — each checked against its issue receipt with your card
 * opened before its categories show; pay a pending policy's premium from the wallet; share a card with a professional.
 */
export function MyInsurance() {
  const applications = useAsync((signal) => myApplications(signal), []);
  const policies = useAsync(async (signal): Promise<MyPolicyRow[]> => {
    const rows: MyPolicyRow[] = [];
    for (const view of [...(await myPolicies(signal))].reverse()) {
      try {
        rows.push({ view, verified: await myPolicy(view.id, signal), problem: null });
      } catch (e) {
        if (signal.aborted) throw e;
        rows.push({ view, verified: null, problem: e instanceof Error ? e.message : String(e) });
      }
    }
    return rows;
  }, []);
  const payables = useAsync((signal) => myPayables(signal), []);
  const plans = useAsync((signal) => insurancePlans(undefined, signal).then((p) => new Map(p.map((x) => [x.id, x.name]))), []);
  const insurers = useAsync((signal) => organizations('Insurer', signal).then((o) => new Map(o.map((x) => [x.id, x.name]))), []);
  const reload = () => (applications.reload(), policies.reload(), payables.reload());

  const [done, setDone] = useState<string | null>(null);
  const pay = usePayPayable((p) => {
    setDone(`Paid ${formatMoney(p.amount, p.currency)}; the ledger receipt verifies.`);
    reload();
  }, () => setDone(null));
  const [sharePolicy, setSharePolicy] = useState('');
  const [shareEmail, setShareEmail] = useState('');
  const share = useAction(async () => {
    setDone(null);
    await sharePolicyCard(sharePolicy, shareEmail.trim());
    setDone(`Policy ${sharePolicy.slice(0, 8)}'s card is shared with ${shareEmail.trim()}.`);
  });

  const payableOf = (policyId: string) => (payables.data ?? []).find((p) => p.referenceKind === 'policy' && p.referenceId === policyId);
  const planName = (id: string) => plans.data?.get(id) ?? id.slice(0, 8);
  const apps = [...(applications.data ?? [])].reverse();
  const verified = (policies.data ?? []).filter((r) => r.verified);
  return (
    <Page title="My insurance">
      {done && <Notice kind="success">{done}</Notice>}
      <Card title="My applications">
        <ProblemAlert error={applications.error} />
        {applications.loading && !applications.data && <Spinner label="Loading applications…" />}
        {applications.data && (apps.length === 0 ? <Empty>No applications yet.</Empty> : (
          <DataTable label="My applications" columns={['Application', 'Plan', 'Cover from', 'Status', 'Applied']}>
            {apps.map((a) => (
              <tr key={a.id} data-application={a.id}>
                <th scope="row"><ShortId id={a.id} /></th>
                <td>{planName(a.planId)}</td>
                <td>{formatDate(a.periodStart)}</td>
                <td data-testid={`my-application-status-${a.id}`}>{a.status}{a.declineReason && ` (reason: ${a.declineReason})`}</td>
                <td>{formatDateTime(a.createdAt)}</td>
              </tr>
            ))}
          </DataTable>
        ))}
      </Card>
      <Card title="My policies">
        <ProblemAlert error={policies.error} />
        <ProblemAlert error={pay.error} />
        {policies.loading && !policies.data && <Spinner label="Checking your policies against the ledger…" />}
        {policies.data && (policies.data.length === 0 ? <Empty>No policies yet.</Empty> : (
          <DataTable label="My policies" columns={['Policy', 'Insurer', 'Plan', 'Period', 'Cover from', 'Annual limit', 'Status', 'Checked', '']}>
            {policies.data.map(({ view: p, verified: v, problem }) => {
              const payable = payableOf(p.id);
              const short = p.id.slice(0, 8);
              return (
                <tr key={p.id} data-policy={p.id}>
                  <th scope="row"><ShortId id={p.id} /></th>
                  <td>{insurers.data?.get(p.insurerOrganizationId) ?? p.insurerOrganizationId.slice(0, 8)}</td>
                  <td>{planName(p.planId)}</td>
                  <td>{formatDate(p.periodStart)} – {formatDate(p.periodEnd)}</td>
                  <td>{p.coverStart ? formatDateTime(p.coverStart) : '—'}</td>
                  <td>{formatMoney(p.annualLimitMinor, p.currency)}</td>
                  <td data-testid={`my-policy-status-${p.id}`}>
                    {policyStatusLabel(p.status)}{p.status === 'suspended' && p.suspendReason && ` (${p.suspendReason})`}
                    {payable && (payable.paymentId ? ' · premium paid' : ` · premium ${formatMoney(payable.amount, payable.currency)} due`)}
                  </td>
                  <td data-testid={`my-policy-check-${p.id}`}>
                    {v ? <VerifiedMark ok label="verified" /> : <VerifiedMark ok={false} title={problem ?? undefined} />}
                  </td>
                  <td>
                    {payable && !payable.paymentId && v && (
                      <Button busy={pay.busy} busyLabel="Paying…" aria-label={`Pay the premium of policy ${short}`} onClick={() => void pay.run(payable.id)}>Pay premium</Button>
                    )}
                  </td>
                </tr>
              );
            })}
          </DataTable>
        ))}
        {(policies.data ?? []).filter((r) => r.problem).map((r) => (
          <Notice key={r.view.id} kind="warning">{`Policy ${r.view.id.slice(0, 8)} does not check out and is not shown as real: ${r.problem}`}</Notice>
        ))}
      </Card>
      {verified.map(({ verified: v }) => v && (
        <Card key={v.policy.id} title={`Cover of policy ${v.policy.id.slice(0, 8)}`} headingLevel={3}>
          <DataTable label={`Benefits of policy ${v.policy.id.slice(0, 8)}`} columns={['Category', 'Terms']}>
            {v.terms.benefits.map((b) => (
              <tr key={b.category}><th scope="row">{b.category}</th><td>{benefitText(b, v.terms.currency)}</td></tr>
            ))}
          </DataTable>
        </Card>
      ))}
      {verified.length > 0 && (
        <ActionForm onSubmit={() => void share.run()} aria-label="Share a policy card">
          <h2>Share a policy card for eligibility checks</h2>
          <p class="muted">A verified doctor, hospital staff member or pharmacist can then check what a category covers on a date; the server sees only the card's tags.</p>
          <ProblemAlert error={share.error} />
          <Field id="share-policy" label="Policy">
            <select id="share-policy" value={sharePolicy} onChange={(e) => setSharePolicy(e.currentTarget.value)}>
              <option value="">Choose a policy</option>
              {verified.map(({ view: p }) => <option key={p.id} value={p.id}>{`${p.id.slice(0, 8)} · ${planName(p.planId)} · ${policyStatusLabel(p.status)}`}</option>)}
            </select>
          </Field>
          <Field id="share-email" label="Professional's email">
            <input id="share-email" type="email" value={shareEmail} onInput={(e) => setShareEmail(e.currentTarget.value)} />
          </Field>
          <Button type="submit" busy={share.busy} busyLabel="Sealing and sharing…" disabled={!sharePolicy || !shareEmail.trim()}>Share card</Button>
        </ActionForm>
      )}
    </Page>
  );
}
