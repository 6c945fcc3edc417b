import { useState } from 'preact/hooks';
import { acceptApplication, APPLICATION_DECLINE_REASONS, declineApplication, insurancePlans, insurerApplications } from '../../sdk/insurance';
import { me } from '../../app/session';
import { Button, Card, DataTable, Empty, Notice, Page, ProblemAlert, ShortId, Spinner, formatDate, formatDateTime } from '../../ui/components';
import { useAction, useAsync } from '../../ui/hooks';
import { ClaimDocuments } from './ClaimDocuments';

/**
 * Insurer staff: the insurer's applications. Accept signs insurance.policy in this page over the plan's terms and seals the
 * policy card for the patient and for you; decline takes a reason code.
 */
export function ApplicationQueue() {
  const insurerId = me.value?.organizationId ?? '';
  const applications = useAsync((signal) => insurerApplications(undefined, signal), []);
  const plans = useAsync((signal) => insurancePlans(insurerId, signal).then((p) => new Map(p.map((x) => [x.id, x.name]))), [insurerId]);
  const [reasons, setReasons] = useState<Record<string, string>>({});
  const [done, setDone] = useState<string | null>(null);
  // The application whose attached documents are shown (opened on this device with the grant the patient sealed for you).
  const [showing, setShowing] = useState<string | null>(null);
  const act = useAction(async (id: string, action: 'accept' | 'decline') => {
    setDone(null);
    const short = id.slice(0, 8);
    if (action === 'accept') {
      const p = await acceptApplication(id);
      setDone(`Application ${short} accepted: policy ${p.policy.id.slice(0, 8)} issued on the ledger, pending until the premium is paid.`);
    } else {
      const reason = reasons[id] ?? APPLICATION_DECLINE_REASONS[0];
      await declineApplication(id, reason);
      setDone(`Application ${short} declined (${reason}).`);
    }
    applications.reload();
  });
  const list = [...(applications.data ?? [])].reverse();
  return (
    <Page title="Applications">
      <Card title="Applications">
        <ProblemAlert error={applications.error} />
        <ProblemAlert error={act.error} />
        {done && <Notice kind="success">{done}</Notice>}
        {applications.loading && !applications.data && <Spinner label="Loading applications…" />}
        {applications.data && (list.length === 0 ? <Empty>No applications yet.</Empty> : (
          <DataTable label="Applications" columns={['Application', 'Patient', 'Plan', 'Cover from', 'Status', 'Received', 'Documents', '']}>
            {list.map((a) => {
              const short = a.id.slice(0, 8);
              return (
                <tr key={a.id} data-application={a.id}>
                  <th scope="row"><ShortId id={a.id} /></th>
                  <td><ShortId id={a.patientId} /></td>
                  <td>{plans.data?.get(a.planId) ?? a.planId.slice(0, 8)}</td>
                  <td>{formatDate(a.periodStart)}</td>
                  <td data-testid={`application-status-${a.id}`}>
                    {a.status}{a.declineReason && ` (${a.declineReason})`}{a.policyId && ` · policy ${a.policyId.slice(0, 8)}`}
                  </td>
                  <td>{formatDateTime(a.createdAt)}</td>
                  <td>
                    {(a.recordIds ?? []).length === 0 ? '—' : (
                      <Button kind="secondary" aria-label={`Documents (${(a.recordIds ?? []).length}) of application ${short}`} onClick={() => setShowing(showing === a.id ? null : a.id)}>
                        {`Documents (${(a.recordIds ?? []).length})`}
                      </Button>
                    )}
                  </td>
                  <td>
                    {a.status === 'submitted' && (
                      <div class="row">
                        <Button busy={act.busy} busyLabel="Signing and sealing…" aria-label={`Accept application ${short}`} onClick={() => void act.run(a.id, 'accept')}>Accept</Button>
                        <select aria-label={`Decline reason for application ${short}`} value={reasons[a.id] ?? APPLICATION_DECLINE_REASONS[0]}
                          onChange={(e) => setReasons({ ...reasons, [a.id]: e.currentTarget.value })}>
                          {APPLICATION_DECLINE_REASONS.map((r) => <option key={r} value={r}>{r}</option>)}
                        </select>
                        <Button kind="danger" busy={act.busy} busyLabel="Declining…" aria-label={`Decline application ${short}`} onClick={() => void act.run(a.id, 'decline')}>Decline</Button>
                      </div>
                    )}
                  </td>
                </tr>
              );
            })}
          </DataTable>
        ))}
      </Card>
      {showing && (
        <Card title={`Documents of application ${showing.slice(0, 8)}`}>
          <p>Records the patient attached and sealed for your insurer; they open while the application awaits a decision (afterwards only those the patient kept).</p>
          <ClaimDocuments key={showing} label="Application documents" recordIds={list.find((a) => a.id === showing)?.recordIds ?? []} />
        </Card>
      )}
    </Page>
  );
}
