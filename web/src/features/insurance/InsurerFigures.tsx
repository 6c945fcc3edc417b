import { insurerFigures } from '../../sdk/claimDocuments';
import { formatMoney } from '../../sdk/wallet';
import { Card, DataTable, Empty, Page, ProblemAlert, Spinner } from '../../ui/components';
import { useAsync } from '../../ui/hooks';

/**
 * Insurer staff: your insurer's claims by status, amounts approved and paid, and the approval rate (decided claims approved in
 * full or in part), per currency. Counts and amounts only; the admin's dashboard has the cross-insurer version.
 */
export function InsurerFigures() {
  const figures = useAsync((signal) => insurerFigures(signal), []);
  return (
    <Page title="Figures">
      <Card title="Claims">
        <ProblemAlert error={figures.error} />
        {figures.loading && !figures.data && <Spinner label="Loading figures…" />}
        {figures.data && (figures.data.length === 0 ? <Empty>No claims yet.</Empty> : (
          <DataTable label="Insurer figures" columns={['Currency', 'Claims', 'Awaiting decision', 'Approved', 'Partly approved', 'Rejected', 'Reversed', 'Paid', 'Disputed', 'Claimed', 'Approved amount', 'Paid amount', 'Approval rate']}>
            {figures.data.map((f) => (
              <tr key={f.currency} data-figures={f.currency}>
                <th scope="row">{f.currency}</th>
                <td data-testid={`figures-claims-${f.currency}`}>{f.claims}</td>
                <td>{f.awaitingDecision}</td>
                <td>{f.approved}</td>
                <td>{f.partlyApproved}</td>
                <td>{f.rejected}</td>
                <td>{f.reversed}</td>
                <td>{f.paid}</td>
                <td>{f.disputed}</td>
                <td>{formatMoney(f.claimedMinor, f.currency)}</td>
                <td data-testid={`figures-approved-${f.currency}`}>{formatMoney(f.approvedMinor, f.currency)}</td>
                <td data-testid={`figures-paid-${f.currency}`}>{formatMoney(f.paidMinor, f.currency)}</td>
                <td data-testid={`figures-rate-${f.currency}`}>{f.approvalRate === null ? '—' : `${Math.round(f.approvalRate * 100)} %`}</td>
              </tr>
            ))}
          </DataTable>
        ))}
      </Card>
    </Page>
  );
}
