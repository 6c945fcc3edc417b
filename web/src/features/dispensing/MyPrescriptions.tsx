import { ApiProblem } from '../../app/http';
import { Link } from '../../app/router';
import { describeMedicationRequest, listPrescriptions, openPrescriptionRecord, prescriptionStatus, type CheckedPrescription } from '../../sdk/dispensing';
import { Card, Empty, Page, ProblemAlert, Spinner, formatDate } from '../../ui/components';
import { useAsync } from '../../ui/hooks';
import { FillsTable } from './FillsTable';
import { pharmacyNames } from './names';

interface Row {
  rx: CheckedPrescription;
  medication: string;
  dosage: string | null;
  openProblem: string | null;
}

/** The drug named by the MedicationRequest, opened here; a record that does not open is said so. */
export async function withMedication(rx: CheckedPrescription): Promise<Row> {
  try {
    const opened = await openPrescriptionRecord(rx);
    const d = describeMedicationRequest(opened.json);
    return { rx, medication: d.medication, dosage: d.dosage, openProblem: null };
  } catch (e) {
    // A prescriber reads the patient's record only with the patient's consent (writing it needs none).
    const problem = e instanceof ApiProblem && e.status === 403 ? 'the patient has not shared this record with you' : e instanceof Error ? e.message : String(e);
    return { rx, medication: `Prescription ${rx.info.prescriptionId.slice(0, 8)}`, dosage: null, openProblem: problem };
  }
}

export function statusLabel(rx: CheckedPrescription): string {
  const s = prescriptionStatus(rx);
  return s === 'completed' ? 'fully dispensed' : s;
}

/** Patient: every prescription and every fill at any pharmacy, each checked against its ledger receipt. */
export function MyPrescriptions() {
  const data = useAsync(async (signal) => {
    const [list, pharmacies] = await Promise.all([listPrescriptions({}, signal), pharmacyNames(signal)]);
    const rows: Row[] = [];
    for (const rx of list) rows.push(await withMedication(rx));
    return { rows, pharmacies };
  }, []);
  return (
    <Page title="My prescriptions">
      <p class="muted">Every fill at any pharmacy is listed with its ledger receipt checked on this device: a fill you never collected stands out.</p>
      <ProblemAlert error={data.error} />
      {data.loading && !data.data && <Spinner label="Loading and verifying prescriptions…" />}
      {data.data && data.data.rows.length === 0 && <Empty>No prescriptions yet.</Empty>}
      {data.data?.rows.map((r) => (
        <Card key={r.rx.info.prescriptionId} title={r.medication} headingLevel={2}>
          <p>
            <strong>Status: {statusLabel(r.rx)}</strong>
            {` · ${r.rx.dispensed} of ${r.rx.info.totalUnits} units dispensed · ${r.rx.fillsMade} of ${r.rx.info.maxFills} fills · valid until ${formatDate(r.rx.validUntilMs)}`}
          </p>
          {r.dosage && <p>{r.dosage}</p>}
          {prescriptionStatus(r.rx) === 'active' && <p><Link href={`/orders/new?prescription=${r.rx.info.prescriptionId}`}>Order it from a pharmacy</Link></p>}
          {r.openProblem && <p class="alert error">{`The prescription record could not be opened: ${r.openProblem}`}</p>}
          <FillsTable rx={r.rx} label={`Fills of ${r.medication}`} pharmacies={data.data!.pharmacies} />
        </Card>
      ))}
    </Page>
  );
}
