import { useState } from 'preact/hooks';
import { cancelPrescription, listPrescriptions } from '../../sdk/dispensing';
import { Button, DataTable, Empty, Notice, Page, ProblemAlert, ShortId, Spinner, formatDate } from '../../ui/components';
import { useAction, useAsync } from '../../ui/hooks';
import { statusLabel, withMedication } from './MyPrescriptions';

/** Doctor: the prescriptions you issued, with their fills so far, and Cancel (a prescriptions.cancel signed here). */
export function IssuedPrescriptions() {
  const data = useAsync(async (signal) => {
    const list = await listPrescriptions({}, signal);
    const rows = [];
    for (const rx of list) rows.push(await withMedication(rx));
    return rows;
  }, []);
  const [done, setDone] = useState<string | null>(null);
  const cancel = useAction(async (prescriptionId: string) => {
    setDone(null);
    await cancelPrescription(prescriptionId);
    setDone(`Prescription ${prescriptionId.slice(0, 8)} cancelled; no pharmacy can fill it now.`);
    data.reload();
  });
  return (
    <Page title="Prescriptions issued">
      <ProblemAlert error={data.error} />
      <ProblemAlert error={cancel.error} />
      {done && <Notice kind="success">{done}</Notice>}
      {data.loading && !data.data && <Spinner label="Loading and verifying prescriptions…" />}
      {data.data && (data.data.length === 0 ? <Empty>You have issued no prescriptions.</Empty> : (
        <DataTable label="Prescriptions issued" columns={['Medication', 'Patient', 'Status', { label: 'Dispensed', class: 'num' }, { label: 'Fills', class: 'num' }, 'Valid until', '']}>
          {data.data.map((r) => (
            <tr key={r.rx.info.prescriptionId}>
              <th scope="row">{r.medication}{r.openProblem && <small class="muted">{` (drug not shown: ${r.openProblem})`}</small>}</th>
              <td><ShortId id={r.rx.info.patientId} /></td>
              <td>{statusLabel(r.rx)}</td>
              <td class="num">{`${r.rx.dispensed} of ${r.rx.info.totalUnits}`}</td>
              <td class="num">{`${r.rx.fillsMade} of ${r.rx.info.maxFills}`}</td>
              <td>{formatDate(r.rx.validUntilMs)}</td>
              <td>
                {!r.rx.cancelled && (
                  <Button kind="secondary" busy={cancel.busy} busyLabel="Cancelling…" aria-label={`Cancel prescription ${r.rx.info.prescriptionId.slice(0, 8)}`}
                    onClick={() => void cancel.run(r.rx.info.prescriptionId)}>Cancel</Button>
                )}
              </td>
            </tr>
          ))}
        </DataTable>
      ))}
    </Page>
  );
}
