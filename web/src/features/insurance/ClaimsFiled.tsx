import { useState } from 'preact/hooks';
import { categoriesByTag, CLAIM_STATUSES, providerClaims } from '../../sdk/claims';
import { openSharedCard, policiesSharedWithMe } from '../../sdk/insurance';
import { formatMoney } from '../../sdk/wallet';
import { Card, DataTable, Empty, Field, Page, ProblemAlert, ShortId, Spinner, formatDateTime } from '../../ui/components';
import { useAsync } from '../../ui/hooks';
import { categoryName, claimMoneyText } from './ClaimLines';

/** Doctors, hospital staff and pharmacists: your organization's claims with each line's automatic outcome and decision. */
export function ClaimsFiled() {
  const [status, setStatus] = useState('');
  const claims = useAsync((signal) => providerClaims(status || undefined, signal), [status]);
  // Category names from the cards patients shared with you (a card you no longer hold shows tags).
  const categories = useAsync(async (signal) => {
    const byPolicy = new Map<string, Map<string, string>>();
    for (const share of await policiesSharedWithMe(signal)) {
      try {
        byPolicy.set(share.policyId, categoriesByTag(await openSharedCard(share)));
      } catch {
        // A card that does not open names nothing.
      }
    }
    return byPolicy;
  }, []);
  const list = [...(claims.data ?? [])].reverse();
  return (
    <Page title="Claims filed">
      <Card>
        <Field id="filed-status" label="Status">
          <select id="filed-status" value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
            <option value="">All</option>
            {CLAIM_STATUSES.map((s) => <option key={s} value={s}>{s}</option>)}
          </select>
        </Field>
        <ProblemAlert error={claims.error} />
        {claims.loading && !claims.data && <Spinner label="Loading your organization's claims…" />}
        {claims.data && (list.length === 0 ? <Empty>No claims filed yet.</Empty> : (
          <DataTable label="Claims filed" columns={['Claim', 'Patient', 'Filed', 'Lines', 'Claimed', 'Status', 'Money', 'Dispute']}>
            {list.map((c) => (
              <tr key={c.id} data-claim={c.id}>
                <th scope="row"><ShortId id={c.id} /></th>
                <td><ShortId id={c.patientId} /></td>
                <td>{formatDateTime(c.filedAt)}</td>
                <td data-testid={`filed-claim-lines-${c.id}`}>
                  {c.lines.map((l) => `${l.line}. ${categoryName(categories.data?.get(c.policyId), l.tag)} ${formatMoney(l.amountMinor, c.currency)}: ${l.outcome ?? 'pending'}`
                    + (l.decision ? `, ${l.decision}${l.approvedMinor > 0 ? ` ${formatMoney(l.approvedMinor, c.currency)}` : ''}${l.reason ? ` (${l.reason})` : ''}` : '')).join('; ')}
                </td>
                <td>{formatMoney(c.claimedMinor, c.currency)}</td>
                <td data-testid={`filed-claim-status-${c.id}`}>{c.status}</td>
                <td>{claimMoneyText(c)}</td>
                <td>{c.dispute ?? '—'}</td>
              </tr>
            ))}
          </DataTable>
        ))}
      </Card>
    </Page>
  );
}
