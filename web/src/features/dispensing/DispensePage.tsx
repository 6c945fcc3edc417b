import { useState } from 'preact/hooks';
import { me } from '../../app/session';
import { listGrants } from '../../sdk/consent';
import {
  checkDispensable, checkPrescriptionSource, describeMedicationRequest, dispense, getPrescription, listPrescriptions, type CheckedFill, type CheckedPrescription,
} from '../../sdk/dispensing';
import { describeMedicine, getStock } from '../../sdk/pharmacy';
import { ActionForm, Button, Card, DataTable, Empty, Field, Notice, Page, ProblemAlert, ShortId, Spinner, VerifiedMark, formatDate } from '../../ui/components';
import { useAction, useAsync } from '../../ui/hooks';
import { FillsTable } from './FillsTable';
import { PayWithInsurance } from './PayWithInsurance';
import { statusLabel } from './MyPrescriptions';
import { pharmacyNames } from './names';

/** Pharmacist: prescriptions patients shared with you, the checks before a fill, the fill (partial allowed) and its verified receipt. */
export function DispensePage() {
  const myId = me.value?.id ?? '';
  const list = useAsync(async (signal) => {
    // Prescriptions reach a pharmacist through a patient's grant: ask per patient who granted us access.
    const patients = [...new Set((await listGrants()).filter((g) => g.active && g.granteeId === myId).map((g) => g.patientId))];
    const rows: CheckedPrescription[] = [];
    for (const patientId of patients) rows.push(...(await listPrescriptions({ patientId }, signal)));
    return rows;
  }, [myId]);
  const [openId, setOpenId] = useState<string | null>(null);
  return (
    <Page title="Dispense">
      <ProblemAlert error={list.error} />
      {list.loading && !list.data && <Spinner label="Loading prescriptions shared with you…" />}
      {list.data && (
        <Card title="Prescriptions shared with me">
          {list.data.length === 0 ? <Empty>No patient has shared a prescription with you.</Empty> : (
            <DataTable label="Prescriptions shared with me" columns={['Patient', 'Prescription', 'Status', { label: 'Dispensed', class: 'num' }, { label: 'Fills', class: 'num' }, 'Valid until', '']}>
              {list.data.map((rx) => (
                <tr key={rx.info.prescriptionId}>
                  <td><ShortId id={rx.info.patientId} /></td>
                  <td><ShortId id={rx.info.prescriptionId} /></td>
                  <td>{statusLabel(rx)}</td>
                  <td class="num">{`${rx.dispensed} of ${rx.info.totalUnits}`}</td>
                  <td class="num">{`${rx.fillsMade} of ${rx.info.maxFills}`}</td>
                  <td>{formatDate(rx.validUntilMs)}</td>
                  <td>
                    <Button kind="secondary" aria-label={`Open prescription ${rx.info.prescriptionId.slice(0, 8)}`} onClick={() => setOpenId(rx.info.prescriptionId)}>Open</Button>
                  </td>
                </tr>
              ))}
            </DataTable>
          )}
        </Card>
      )}
      {openId && <PrescriptionCheck key={openId} prescriptionId={openId} onDispensed={list.reload} />}
    </Page>
  );
}

interface Checked {
  rx: CheckedPrescription;
  medication: string;
  dosage: string | null;
  quantity: string | null;
  refusal: string | null;
}

function PrescriptionCheck(props: { prescriptionId: string; onDispensed: () => void }) {
  const pharmacyId = me.value?.organizationId ?? null;
  const checked = useAsync(async (signal): Promise<Checked> => {
    const rx = await getPrescription(props.prescriptionId, signal);
    let medication = '(not opened)';
    let dosage: string | null = null;
    let quantity: string | null = null;
    let refusal: string | null = null;
    try {
      const source = await checkPrescriptionSource(rx);
      ({ medication, dosage, quantity } = describeMedicationRequest(source.json));
      checkDispensable(rx, 1);
    } catch (e) {
      refusal = e instanceof Error ? e.message : String(e);
    }
    return { rx, medication, dosage, quantity, refusal };
  }, [props.prescriptionId]);
  const stock = useAsync((signal) => (pharmacyId ? getStock(pharmacyId, signal) : Promise.reject(new Error('Your account belongs to no pharmacy.'))), [pharmacyId]);
  const pharmacies = useAsync((signal) => pharmacyNames(signal), []);
  const [medicineId, setMedicineId] = useState('');
  const [quantity, setQuantity] = useState('');
  const [quantityError, setQuantityError] = useState<string | undefined>();
  const [filled, setFilled] = useState<CheckedFill | null>(null);
  const [recordProblem, setRecordProblem] = useState<string | null>(null);
  const run = useAction(async () => {
    const c = checked.data!;
    const n = Number(quantity);
    if (quantity.trim() === '' || !Number.isInteger(n) || n < 1 || n > c.rx.unitsLeft) {
      setQuantityError(`Enter a whole number of units from 1 to ${c.rx.unitsLeft}.`);
      return;
    }
    setQuantityError(undefined);
    const result = await dispense(props.prescriptionId, medicineId || stock.data?.[0]?.medicine.id || '', n);
    setFilled(result.fill);
    setRecordProblem(result.dispenseRecordProblem);
    checked.setData({ ...c, rx: result.rx, refusal: result.rx.unitsLeft > 0 && result.rx.fillsMade < result.rx.info.maxFills ? null : 'No units or fills are left on this prescription.' });
    stock.reload();
    props.onDispensed();
  });
  const c = checked.data;
  const lines = stock.data ?? [];
  const selected = lines.find((l) => l.medicine.id === medicineId) ?? lines[0];
  return (
    <Card title="Prescription check">
      <ProblemAlert error={checked.error} />
      {checked.loading && !c && <Spinner label="Checking the prescription against the ledger…" />}
      {c && (
        <>
          <p><strong>{c.medication}</strong>{c.quantity ? ` · ${c.quantity} per fill` : ''}{c.dosage ? ` · ${c.dosage}` : ''}</p>
          <p>{`Status: ${statusLabel(c.rx)} · ${c.rx.dispensed} of ${c.rx.info.totalUnits} units dispensed · ${c.rx.fillsMade} of ${c.rx.info.maxFills} fills · valid until ${formatDate(c.rx.validUntilMs)}`}</p>
          {c.refusal ? (
            <div class="alert error" role="alert"><strong>Refused: </strong>{c.refusal}</div>
          ) : (
            <Notice kind="success">Checks passed: the ledger receipts verify, the MedicationRequest opened here is the one its prescriber (an admin-verified doctor) signed and anchored, and its limits match the ledger.</Notice>
          )}
          <FillsTable rx={c.rx} label="Fills so far" pharmacies={pharmacies.data ?? new Map()} />
          {filled && (
            <Notice kind="success">
              {`Fill ${filled.fillNumber} of ${filled.quantity} units dispensed. `}
              <VerifiedMark ok={filled.problem === null} label="ledger receipt verified" />
              {recordProblem === null ? ' Dispense record written for the patient.' : ''}
            </Notice>
          )}
          <PayWithInsurance rx={c.rx} version={filled?.fillNumber ?? 0} />
          {filled && recordProblem !== null && (
            <Notice kind="warning">{`The fill stands, but its dispense record was not written: ${recordProblem}`}</Notice>
          )}
          {!c.refusal && (
            <ActionForm class="stack" noValidate onSubmit={() => void run.run()}>
              <ProblemAlert error={stock.error} />
              <Field id="dispense-medicine" label="Dispense from" hint="Your catalogue medicine the units are taken from (earliest expiry first).">
                <select id="dispense-medicine" value={selected?.medicine.id ?? ''} onChange={(e) => setMedicineId((e.currentTarget as HTMLSelectElement).value)}>
                  {lines.map((l) => <option key={l.medicine.id} value={l.medicine.id}>{`${describeMedicine(l.medicine)} — ${l.usable} usable`}</option>)}
                </select>
              </Field>
              {selected && (
                <DataTable label="Lots of the selected medicine" columns={['Lot', 'Expires', { label: 'On hand', class: 'num' }]}>
                  {selected.lots.filter((l) => l.onHand > 0).map((l) => (
                    <tr key={l.id}><td>{l.lotNumber}</td><td>{`${l.expiresOn}${l.expired ? ' (expired, not used)' : ''}`}</td><td class="num">{l.onHand}</td></tr>
                  ))}
                </DataTable>
              )}
              <Field id="dispense-quantity" label="Units to dispense" hint={`Up to ${c.rx.unitsLeft} left; fewer is a partial fill.`} error={quantityError}>
                <input id="dispense-quantity" type="number" min={1} max={c.rx.unitsLeft} step={1} inputMode="numeric" value={quantity}
                  onInput={(e) => setQuantity((e.currentTarget as HTMLInputElement).value)} aria-invalid={!!quantityError} />
              </Field>
              <ProblemAlert error={run.error} />
              <Button type="submit" busy={run.busy} busyLabel="Checking and dispensing…">Dispense</Button>
            </ActionForm>
          )}
        </>
      )}
    </Card>
  );
}
