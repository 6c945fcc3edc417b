import { useState } from 'preact/hooks';
import { me } from '../../app/session';
import {
  DOSAGE_FORMS, DRUG_SCHEDULES, addMedicine, adjustLot, availabilityLabel, describeMedicine, formatPrice, getStock, lowStock, nearExpiry, receiveDelivery, returnToLot,
  sell, updateMedicine, writeOff, type DosageForm, type DrugSchedule, type Medicine,
} from '../../sdk/pharmacy';
import { ActionForm, Button, Card, DataTable, Empty, Field, Notice, Page, ProblemAlert, Spinner } from '../../ui/components';
import { useAction, useAsync } from '../../ui/hooks';

const NEAR_EXPIRY_DAYS = 30;

type Errors<T> = Partial<Record<keyof T, string>>;

function wholeNumber(s: string, min: number): number | null {
  const n = Number(s);
  return s.trim() !== '' && Number.isInteger(n) && n >= min ? n : null;
}

/** The pharmacist's catalogue, lots, deliveries, write-offs, low stock and near expiry (exact counts: own pharmacy only). */
export function PharmacyStock() {
  const pharmacyId = me.value?.organizationId ?? null;
  const noPharmacy = () => Promise.reject(new Error('Your account belongs to no pharmacy.'));
  const stock = useAsync((signal) => (pharmacyId ? getStock(pharmacyId, signal) : noPharmacy()), [pharmacyId]);
  const low = useAsync((signal) => (pharmacyId ? lowStock(pharmacyId, signal) : noPharmacy()), [pharmacyId]);
  const expiring = useAsync((signal) => (pharmacyId ? nearExpiry(pharmacyId, NEAR_EXPIRY_DAYS, signal) : noPharmacy()), [pharmacyId]);
  const reloadAll = () => (stock.reload(), low.reload(), expiring.reload());
  const lines = stock.data ?? [];
  const lots = lines.flatMap((l) => l.lots.filter((lot) => lot.onHand > 0).map((lot) => ({ lot, medicine: l.medicine })));

  return (
    <Page title="Pharmacy stock">
      <ProblemAlert error={stock.error} />
      {stock.loading && !stock.data && <Spinner label="Loading stock…" />}
      {stock.data && (
        <Card title="Stock by lot">
          {lines.length === 0 ? (
            <Empty>No medicines yet. Add your first medicine below.</Empty>
          ) : (
            <DataTable label="Stock by lot" columns={['Medicine', 'Price', 'Lot', 'Expires', { label: 'On hand', class: 'num' }, { label: 'Usable', class: 'num' }, 'Status']}>
              {lines.flatMap((l) =>
                (l.lots.length ? l.lots : [null]).map((lot, i) => (
                  <tr key={lot?.id ?? l.medicine.id}>
                    <th scope="row">{i === 0 ? describeMedicine(l.medicine) : ''}</th>
                    <td>{i === 0 ? formatPrice(l.medicine) : ''}</td>
                    <td>{lot?.lotNumber ?? '—'}</td>
                    <td>{lot ? `${lot.expiresOn}${lot.expired ? ' (expired)' : ''}` : '—'}</td>
                    <td class="num">{lot?.onHand ?? 0}</td>
                    <td class="num">{i === 0 ? l.usable : ''}</td>
                    <td>{i === 0 ? (l.medicine.discontinued ? 'Discontinued' : availabilityLabel(l.availability)) : ''}</td>
                  </tr>
                )),
              )}
            </DataTable>
          )}
        </Card>
      )}
      {pharmacyId && stock.data && (
        <>
          <DeliveryCard pharmacyId={pharmacyId} medicines={lines.map((l) => l.medicine).filter((m) => !m.discontinued)} onDone={reloadAll} />
          <SaleCard pharmacyId={pharmacyId} medicines={lines.filter((l) => !l.medicine.prescriptionOnly && l.usable > 0).map((l) => l.medicine)} onDone={reloadAll} />
          <WriteOffCard pharmacyId={pharmacyId} lots={lots} onDone={reloadAll} />
          <LotCorrectionCard pharmacyId={pharmacyId} lots={lines.flatMap((l) => l.lots.map((lot) => ({ lot, medicine: l.medicine })))} onDone={reloadAll} />
          <EditMedicineCard pharmacyId={pharmacyId} medicines={lines.map((l) => l.medicine)} onDone={reloadAll} />
          <AddMedicineCard pharmacyId={pharmacyId} onDone={reloadAll} />
        </>
      )}
      <Card title="Low stock">
        <ProblemAlert error={low.error} />
        {low.data && (low.data.length === 0 ? <Empty>Nothing is below its reorder level.</Empty> : (
          <DataTable label="Low stock" columns={['Medicine', { label: 'Usable', class: 'num' }, { label: 'Reorder at', class: 'num' }]}>
            {low.data.map((l) => (
              <tr key={l.medicine.id}>
                <th scope="row">{describeMedicine(l.medicine)}</th>
                <td class="num">{l.usable}</td>
                <td class="num">{l.medicine.reorderLevel}</td>
              </tr>
            ))}
          </DataTable>
        ))}
      </Card>
      <Card title={`Expiring within ${NEAR_EXPIRY_DAYS} days`}>
        <ProblemAlert error={expiring.error} />
        {expiring.data && (expiring.data.length === 0 ? <Empty>No lot with stock expires soon.</Empty> : (
          <DataTable label="Expiring lots" columns={['Medicine', 'Lot', 'Expires', { label: 'On hand', class: 'num' }]}>
            {expiring.data.map((e) => (
              <tr key={e.lot.id}>
                <th scope="row">{describeMedicine(e.medicine)}</th>
                <td>{e.lot.lotNumber}</td>
                <td>{e.lot.expired ? `${e.lot.expiresOn} (expired — write it off)` : e.lot.expiresOn}</td>
                <td class="num">{e.lot.onHand}</td>
              </tr>
            ))}
          </DataTable>
        ))}
      </Card>
    </Page>
  );
}

interface DeliveryForm { medicineId: string; lotNumber: string; expiresOn: string; quantity: string; reference: string }

function DeliveryCard(props: { pharmacyId: string; medicines: { id: string; name: string; strength: string; form: DosageForm; packSize: number; schedule: DrugSchedule; prescriptionOnly: boolean }[]; onDone: () => void }) {
  const empty: DeliveryForm = { medicineId: props.medicines[0]?.id ?? '', lotNumber: '', expiresOn: '', quantity: '', reference: '' };
  const [form, setForm] = useState<DeliveryForm>(empty);
  const [errors, setErrors] = useState<Errors<DeliveryForm>>({});
  const [done, setDone] = useState<string | null>(null);
  const set = (k: keyof DeliveryForm) => (e: Event) => setForm({ ...form, [k]: (e.currentTarget as HTMLInputElement).value });
  const medicineId = form.medicineId || props.medicines[0]?.id || '';
  const save = useAction(async () => {
    setDone(null);
    const quantity = wholeNumber(form.quantity, 1);
    const errs: Errors<DeliveryForm> = {};
    if (!medicineId) errs.medicineId = 'Add a medicine first.';
    if (!form.lotNumber.trim()) errs.lotNumber = 'Enter the lot number printed on the pack.';
    if (!/^\d{4}-\d{2}-\d{2}$/.test(form.expiresOn)) errs.expiresOn = 'Enter the expiry date.';
    if (quantity === null) errs.quantity = 'Enter a whole number of units (1 or more).';
    setErrors(errs);
    if (Object.keys(errs).length) return;
    const lot = await receiveDelivery(props.pharmacyId, medicineId, form.lotNumber.trim(), form.expiresOn, quantity!, form.reference);
    setDone(`Lot ${lot.lotNumber} now has ${lot.onHand} on hand.`);
    setForm({ ...empty, medicineId });
    props.onDone();
  });
  return (
    <Card title="Receive a delivery">
      <ActionForm class="stack" noValidate onSubmit={() => void save.run()}>
        <Field id="delivery-medicine" label="Medicine" error={errors.medicineId}>
          <select id="delivery-medicine" value={medicineId} onChange={set('medicineId')}>
            {props.medicines.map((m) => <option key={m.id} value={m.id}>{`${m.name} ${m.strength} ×${m.packSize}`}</option>)}
          </select>
        </Field>
        <div class="row">
          <Field id="delivery-lot" label="Lot number" error={errors.lotNumber}>
            <input id="delivery-lot" value={form.lotNumber} onInput={set('lotNumber')} maxLength={40} aria-invalid={!!errors.lotNumber} />
          </Field>
          <Field id="delivery-expiry" label="Expiry date" error={errors.expiresOn}>
            <input id="delivery-expiry" type="date" value={form.expiresOn} onInput={set('expiresOn')} aria-invalid={!!errors.expiresOn} />
          </Field>
          <Field id="delivery-quantity" label="Units received" error={errors.quantity}>
            <input id="delivery-quantity" type="number" min={1} step={1} inputMode="numeric" value={form.quantity} onInput={set('quantity')} aria-invalid={!!errors.quantity} />
          </Field>
        </div>
        <Field id="delivery-reference" label="Delivery note (optional)">
          <input id="delivery-reference" value={form.reference} onInput={set('reference')} maxLength={100} />
        </Field>
        <ProblemAlert error={save.error} />
        {done && <Notice kind="success">{done}</Notice>}
        <Button type="submit" busy={save.busy} busyLabel="Receiving…">Receive delivery</Button>
      </ActionForm>
    </Card>
  );
}

interface WriteOffForm { lotId: string; quantity: string; reason: string }

function WriteOffCard(props: { pharmacyId: string; lots: { lot: { id: string; lotNumber: string; onHand: number; expired: boolean }; medicine: { name: string; strength: string } }[]; onDone: () => void }) {
  const [form, setForm] = useState<WriteOffForm>({ lotId: '', quantity: '', reason: '' });
  const [errors, setErrors] = useState<Errors<WriteOffForm>>({});
  const [done, setDone] = useState<string | null>(null);
  const set = (k: keyof WriteOffForm) => (e: Event) => setForm({ ...form, [k]: (e.currentTarget as HTMLInputElement).value });
  const lotId = form.lotId || props.lots[0]?.lot.id || '';
  const save = useAction(async () => {
    setDone(null);
    const quantity = wholeNumber(form.quantity, 1);
    const errs: Errors<WriteOffForm> = {};
    if (!lotId) errs.lotId = 'No lot has stock to write off.';
    if (quantity === null) errs.quantity = 'Enter a whole number of units (1 or more).';
    if (!form.reason.trim()) errs.reason = 'Say why (damaged, expired, recalled…).';
    setErrors(errs);
    if (Object.keys(errs).length) return;
    const lot = await writeOff(props.pharmacyId, lotId, quantity!, form.reason.trim());
    setDone(`Wrote off ${quantity} from lot ${lot.lotNumber}; ${lot.onHand} left.`);
    setForm({ lotId: '', quantity: '', reason: '' });
    props.onDone();
  });
  if (props.lots.length === 0) return null;
  return (
    <Card title="Write off">
      <ActionForm class="stack" noValidate onSubmit={() => void save.run()}>
        <Field id="writeoff-lot" label="Lot" error={errors.lotId}>
          <select id="writeoff-lot" value={lotId} onChange={set('lotId')}>
            {props.lots.map(({ lot, medicine }) => (
              <option key={lot.id} value={lot.id}>{`${medicine.name} ${medicine.strength} — lot ${lot.lotNumber} (${lot.onHand} on hand${lot.expired ? ', expired' : ''})`}</option>
            ))}
          </select>
        </Field>
        <div class="row">
          <Field id="writeoff-quantity" label="Units" error={errors.quantity}>
            <input id="writeoff-quantity" type="number" min={1} step={1} inputMode="numeric" value={form.quantity} onInput={set('quantity')} aria-invalid={!!errors.quantity} />
          </Field>
          <Field id="writeoff-reason" label="Reason" error={errors.reason}>
            <input id="writeoff-reason" value={form.reason} onInput={set('reason')} maxLength={200} aria-invalid={!!errors.reason} />
          </Field>
        </div>
        <ProblemAlert error={save.error} />
        {done && <Notice kind="success">{done}</Notice>}
        <Button type="submit" kind="secondary" busy={save.busy} busyLabel="Writing off…">Write off</Button>
      </ActionForm>
    </Card>
  );
}

interface MedicineForm { name: string; strength: string; form: DosageForm; packSize: string; price: string; currency: string; schedule: DrugSchedule; prescriptionOnly: boolean; reorderLevel: string }

function AddMedicineCard(props: { pharmacyId: string; onDone: () => void }) {
  const empty: MedicineForm = { name: '', strength: '', form: 'Tablet', packSize: '', price: '', currency: 'EUR', schedule: 'None', prescriptionOnly: false, reorderLevel: '0' };
  const [form, setForm] = useState<MedicineForm>(empty);
  const [errors, setErrors] = useState<Errors<MedicineForm>>({});
  const [done, setDone] = useState<string | null>(null);
  const set = (k: keyof MedicineForm) => (e: Event) => setForm({ ...form, [k]: (e.currentTarget as HTMLInputElement).value });
  const save = useAction(async () => {
    setDone(null);
    const packSize = wholeNumber(form.packSize, 1);
    const reorderLevel = wholeNumber(form.reorderLevel, 0);
    const price = Number(form.price);
    const errs: Errors<MedicineForm> = {};
    if (!form.name.trim()) errs.name = 'Enter the medicine name.';
    if (!form.strength.trim()) errs.strength = 'Enter the strength, e.g. 500 mg.';
    if (packSize === null) errs.packSize = 'Enter the units per pack.';
    if (form.price.trim() === '' || !Number.isFinite(price) || price < 0) errs.price = 'Enter a price, e.g. 3.49.';
    if (!/^[A-Z]{3}$/.test(form.currency)) errs.currency = 'Enter a currency code such as EUR.';
    if (reorderLevel === null) errs.reorderLevel = 'Enter a whole number (0 or more).';
    setErrors(errs);
    if (Object.keys(errs).length) return;
    const m = await addMedicine(props.pharmacyId, {
      name: form.name.trim(), strength: form.strength.trim(), form: form.form, packSize: packSize!, priceMinor: Math.round(price * 100), currency: form.currency,
      // A scheduled (controlled) medicine is always prescription-only.
      prescriptionOnly: form.prescriptionOnly || form.schedule !== 'None', schedule: form.schedule, reorderLevel: reorderLevel!,
    });
    setDone(`${describeMedicine(m)} added.`);
    setForm(empty);
    props.onDone();
  });
  return (
    <Card title="Add a medicine">
      <ActionForm class="stack" noValidate onSubmit={() => void save.run()}>
        <div class="row">
          <Field id="medicine-name" label="Name" error={errors.name}>
            <input id="medicine-name" value={form.name} onInput={set('name')} maxLength={120} aria-invalid={!!errors.name} />
          </Field>
          <Field id="medicine-strength" label="Strength" error={errors.strength}>
            <input id="medicine-strength" value={form.strength} onInput={set('strength')} maxLength={40} aria-invalid={!!errors.strength} />
          </Field>
          <Field id="medicine-form" label="Form">
            <select id="medicine-form" value={form.form} onChange={set('form')}>
              {DOSAGE_FORMS.map((f) => <option key={f} value={f}>{f}</option>)}
            </select>
          </Field>
        </div>
        <div class="row">
          <Field id="medicine-pack" label="Pack size" error={errors.packSize}>
            <input id="medicine-pack" type="number" min={1} step={1} value={form.packSize} onInput={set('packSize')} aria-invalid={!!errors.packSize} />
          </Field>
          <Field id="medicine-price" label="Price" error={errors.price}>
            <input id="medicine-price" inputMode="decimal" value={form.price} onInput={set('price')} aria-invalid={!!errors.price} />
          </Field>
          <Field id="medicine-currency" label="Currency" error={errors.currency}>
            <input id="medicine-currency" value={form.currency} onInput={set('currency')} maxLength={3} aria-invalid={!!errors.currency} />
          </Field>
          <Field id="medicine-reorder" label="Reorder level" error={errors.reorderLevel}>
            <input id="medicine-reorder" type="number" min={0} step={1} value={form.reorderLevel} onInput={set('reorderLevel')} aria-invalid={!!errors.reorderLevel} />
          </Field>
        </div>
        <div class="row">
          <Field id="medicine-schedule" label="Controlled-drug schedule">
            <select id="medicine-schedule" value={form.schedule} onChange={set('schedule')}>
              {DRUG_SCHEDULES.map((s) => <option key={s} value={s}>{s === 'None' ? 'Not controlled' : `Schedule ${s}`}</option>)}
            </select>
          </Field>
          <label class="check">
            <input type="checkbox" checked={form.prescriptionOnly || form.schedule !== 'None'} disabled={form.schedule !== 'None'}
              onChange={(e) => setForm({ ...form, prescriptionOnly: e.currentTarget.checked })} />
            Prescription only
          </label>
        </div>
        <ProblemAlert error={save.error} />
        {done && <Notice kind="success">{done}</Notice>}
        <Button type="submit" busy={save.busy} busyLabel="Adding…">Add medicine</Button>
      </ActionForm>
    </Card>
  );
}

interface SaleForm { medicineId: string; quantity: string; reference: string }

/** A walk-in over-the-counter sale, taken earliest expiry first (prescription-only medicines are dispensed, never sold here). */
function SaleCard(props: { pharmacyId: string; medicines: Medicine[]; onDone: () => void }) {
  const [form, setForm] = useState<SaleForm>({ medicineId: '', quantity: '', reference: '' });
  const [errors, setErrors] = useState<Errors<SaleForm>>({});
  const [done, setDone] = useState<string | null>(null);
  const set = (k: keyof SaleForm) => (e: Event) => setForm({ ...form, [k]: (e.currentTarget as HTMLInputElement).value });
  const medicineId = form.medicineId || props.medicines[0]?.id || '';
  const save = useAction(async () => {
    setDone(null);
    const quantity = wholeNumber(form.quantity, 1);
    const errs: Errors<SaleForm> = {};
    if (quantity === null) errs.quantity = 'Enter a whole number of units (1 or more).';
    setErrors(errs);
    if (Object.keys(errs).length) return;
    const taken = await sell(props.pharmacyId, medicineId, quantity!, form.reference);
    setDone(`Sold ${taken.quantity} from ${taken.lots.map((l) => `lot ${l.lotNumber} (${l.quantity})`).join(', ')}.`);
    setForm({ medicineId, quantity: '', reference: '' });
    props.onDone();
  });
  if (props.medicines.length === 0) return null;
  return (
    <Card title="Walk-in sale">
      <ActionForm class="stack" noValidate onSubmit={() => void save.run()}>
        <div class="row">
          <Field id="sale-medicine" label="Over-the-counter medicine">
            <select id="sale-medicine" value={medicineId} onChange={set('medicineId')}>
              {props.medicines.map((m) => <option key={m.id} value={m.id}>{`${m.name} ${m.strength} ×${m.packSize} — ${formatPrice(m)}`}</option>)}
            </select>
          </Field>
          <Field id="sale-quantity" label="Units sold" error={errors.quantity}>
            <input id="sale-quantity" type="number" min={1} step={1} inputMode="numeric" value={form.quantity} onInput={set('quantity')} aria-invalid={!!errors.quantity} />
          </Field>
          <Field id="sale-reference" label="Till receipt (optional)">
            <input id="sale-reference" value={form.reference} onInput={set('reference')} maxLength={100} />
          </Field>
        </div>
        <ProblemAlert error={save.error} />
        {done && <Notice kind="success">{done}</Notice>}
        <Button type="submit" busy={save.busy} busyLabel="Selling…">Record sale</Button>
      </ActionForm>
    </Card>
  );
}

interface CorrectionForm { lotId: string; kind: 'adjust' | 'return'; amount: string; reason: string }

/** A stock-count correction (signed) or units returned into the lot they left. */
function LotCorrectionCard(props: { pharmacyId: string; lots: { lot: { id: string; lotNumber: string; onHand: number }; medicine: Medicine }[]; onDone: () => void }) {
  const [form, setForm] = useState<CorrectionForm>({ lotId: '', kind: 'adjust', amount: '', reason: '' });
  const [errors, setErrors] = useState<Errors<CorrectionForm>>({});
  const [done, setDone] = useState<string | null>(null);
  const set = (k: keyof CorrectionForm) => (e: Event) => setForm({ ...form, [k]: (e.currentTarget as HTMLInputElement).value });
  const lotId = form.lotId || props.lots[0]?.lot.id || '';
  const save = useAction(async () => {
    setDone(null);
    const n = Number(form.amount);
    const errs: Errors<CorrectionForm> = {};
    if (form.kind === 'adjust' ? !(Number.isInteger(n) && n !== 0) : wholeNumber(form.amount, 1) === null) {
      errs.amount = form.kind === 'adjust' ? 'Enter the signed change, e.g. -2 or 3.' : 'Enter a whole number of units (1 or more).';
    }
    if (!form.reason.trim()) errs.reason = form.kind === 'adjust' ? 'Say why (stock count, …).' : 'Say why (unopened, wrong item, …).';
    setErrors(errs);
    if (Object.keys(errs).length) return;
    const lot = form.kind === 'adjust' ? await adjustLot(props.pharmacyId, lotId, n, form.reason.trim()) : await returnToLot(props.pharmacyId, lotId, n, form.reason.trim());
    setDone(`Lot ${lot.lotNumber} now has ${lot.onHand} on hand.`);
    setForm({ lotId, kind: form.kind, amount: '', reason: '' });
    props.onDone();
  });
  if (props.lots.length === 0) return null;
  return (
    <Card title="Correct a count or take a return">
      <ActionForm class="stack" noValidate onSubmit={() => void save.run()}>
        <div class="row">
          <Field id="correction-lot" label="Lot to correct">
            <select id="correction-lot" value={lotId} onChange={set('lotId')}>
              {props.lots.map(({ lot, medicine }) => <option key={lot.id} value={lot.id}>{`${medicine.name} ${medicine.strength} — lot ${lot.lotNumber} (${lot.onHand} on hand)`}</option>)}
            </select>
          </Field>
          <Field id="correction-kind" label="Change">
            <select id="correction-kind" value={form.kind} onChange={set('kind')}>
              <option value="adjust">Stock-count correction</option>
              <option value="return">Return into the lot</option>
            </select>
          </Field>
        </div>
        <div class="row">
          <Field id="correction-amount" label={form.kind === 'adjust' ? 'Change in units (signed)' : 'Units returned'} error={errors.amount}>
            <input id="correction-amount" inputMode="numeric" value={form.amount} onInput={set('amount')} aria-invalid={!!errors.amount} />
          </Field>
          <Field id="correction-reason" label="Why" error={errors.reason}>
            <input id="correction-reason" value={form.reason} onInput={set('reason')} maxLength={200} aria-invalid={!!errors.reason} />
          </Field>
        </div>
        <ProblemAlert error={save.error} />
        {done && <Notice kind="success">{done}</Notice>}
        <Button type="submit" kind="secondary" busy={save.busy} busyLabel="Saving…">Save correction</Button>
      </ActionForm>
    </Card>
  );
}

interface EditForm { price: string; reorderLevel: string; discontinued: boolean }

/**
 * Price, reorder level and discontinuation of a catalogue entry. The edit names the version shown; if a colleague changed the
 * entry meanwhile the server refuses it (409) and the stock view reloads with their change.
 */
function EditMedicineCard(props: { pharmacyId: string; medicines: Medicine[]; onDone: () => void }) {
  const [medicineId, setMedicineId] = useState('');
  const current = props.medicines.find((m) => m.id === medicineId) ?? props.medicines[0];
  const [form, setForm] = useState<EditForm | null>(null);
  const [errors, setErrors] = useState<Errors<EditForm>>({});
  const [done, setDone] = useState<string | null>(null);
  const shown: EditForm = form ?? (current ? { price: (current.priceMinor / 100).toFixed(2), reorderLevel: String(current.reorderLevel), discontinued: current.discontinued } : { price: '', reorderLevel: '', discontinued: false });
  const save = useAction(async () => {
    if (!current) return;
    setDone(null);
    const price = Number(shown.price);
    const reorderLevel = wholeNumber(shown.reorderLevel, 0);
    const errs: Errors<EditForm> = {};
    if (shown.price.trim() === '' || !Number.isFinite(price) || price < 0) errs.price = 'Enter a price, e.g. 3.49.';
    if (reorderLevel === null) errs.reorderLevel = 'Enter a whole number (0 or more).';
    setErrors(errs);
    if (Object.keys(errs).length) return;
    try {
      const m = await updateMedicine(props.pharmacyId, current.id, {
        priceMinor: Math.round(price * 100), prescriptionOnly: current.prescriptionOnly, schedule: current.schedule, reorderLevel: reorderLevel!,
        discontinued: shown.discontinued, version: current.version,
      });
      setDone(`${describeMedicine(m)}: ${formatPrice(m)}, reorder at ${m.reorderLevel}${m.discontinued ? ', discontinued' : ''}.`);
    } finally {
      // Success or a colleague's edit in between: show the entry as it now is.
      setForm(null);
      props.onDone();
    }
  });
  if (!current) return null;
  return (
    <Card title="Edit a medicine">
      <ActionForm class="stack" noValidate onSubmit={() => void save.run()}>
        <Field id="edit-medicine" label="Medicine to edit">
          <select id="edit-medicine" value={current.id} onChange={(e) => { setMedicineId(e.currentTarget.value); setForm(null); setDone(null); }}>
            {props.medicines.map((m) => <option key={m.id} value={m.id}>{`${m.name} ${m.strength} ×${m.packSize}${m.discontinued ? ' (discontinued)' : ''}`}</option>)}
          </select>
        </Field>
        <div class="row">
          <Field id="edit-price" label={`New price (${current.currency})`} error={errors.price}>
            <input id="edit-price" inputMode="decimal" value={shown.price} onInput={(e) => setForm({ ...shown, price: e.currentTarget.value })} aria-invalid={!!errors.price} />
          </Field>
          <Field id="edit-reorder" label="New reorder level" error={errors.reorderLevel}>
            <input id="edit-reorder" type="number" min={0} step={1} value={shown.reorderLevel} onInput={(e) => setForm({ ...shown, reorderLevel: e.currentTarget.value })} aria-invalid={!!errors.reorderLevel} />
          </Field>
          <label class="check">
            <input type="checkbox" checked={shown.discontinued} onChange={(e) => setForm({ ...shown, discontinued: e.currentTarget.checked })} />
            Discontinued (hidden from patients, no deliveries)
          </label>
        </div>
        <ProblemAlert error={save.error} />
        {done && <Notice kind="success">{done}</Notice>}
        <Button type="submit" kind="secondary" busy={save.busy} busyLabel="Saving…">Save changes</Button>
      </ActionForm>
    </Card>
  );
}
