import { useState } from 'preact/hooks';
import { navigate, queryParam } from '../../app/router';
import { listPrescriptions, prescriptionStatus } from '../../sdk/dispensing';
import { organizations } from '../../sdk/organizations';
import { availabilityLabel, describeMedicine, formatMinor, formatPrice } from '../../sdk/pharmacy';
import { pharmacyCatalogue, placeOrder } from '../../sdk/orders';
import { Button, Card, DataTable, Empty, Field, Notice, Page, ProblemAlert, Spinner } from '../../ui/components';
import { useAction, useAsync } from '../../ui/hooks';

interface CartLine {
  medicineId: string;
  quantity: number;
}

/**
 * Patient: a cart at one pharmacy. Over-the-counter items from its public catalogue (prices as listed now); optionally one of
 * your active prescriptions, shared with the pharmacy's verified pharmacists when the order is placed. The order is sealed
 * in this browser for the pharmacy's ledger-anchored key and for you, and signed here.
 */
export function OrderShop() {
  const pharmacies = useAsync((signal) => organizations('Pharmacy', signal), []);
  // Arriving from "Find a medicine" or "My prescriptions" preselects the pharmacy or the prescription.
  const [pharmacyId, setPharmacyId] = useState(queryParam('pharmacy') ?? '');
  const catalogue = useAsync((signal) => (pharmacyId ? pharmacyCatalogue(pharmacyId, signal) : Promise.resolve(null)), [pharmacyId]);
  const prescriptions = useAsync(async (signal) => (await listPrescriptions({}, signal)).filter((rx) => prescriptionStatus(rx) === 'active'), []);
  const [cart, setCart] = useState<CartLine[]>([]);
  const [quantities, setQuantities] = useState<Record<string, string>>({});
  const [prescriptionId, setPrescriptionId] = useState(queryParam('prescription') ?? '');
  const [cartError, setCartError] = useState<string | undefined>();

  const choose = (id: string) => {
    setPharmacyId(id);
    setCart([]);
    setCartError(undefined);
  };
  const medicines = new Map((catalogue.data?.items ?? []).map((i) => [i.medicine.id, i.medicine]));
  const add = (medicineId: string) => {
    const q = Number(quantities[medicineId] ?? '1');
    if (!Number.isInteger(q) || q < 1 || q > 1000) {
      setCartError('Enter a whole quantity from 1 to 1000.');
      return;
    }
    setCartError(undefined);
    setCart((c) => (c.some((l) => l.medicineId === medicineId) ? c.map((l) => (l.medicineId === medicineId ? { ...l, quantity: l.quantity + q } : l)) : [...c, { medicineId, quantity: q }]));
  };
  const total = cart.reduce((s, l) => s + l.quantity * (medicines.get(l.medicineId)?.priceMinor ?? 0), 0);
  const currency = cart.length ? medicines.get(cart[0].medicineId)?.currency ?? '' : '';

  const place = useAction(async () => {
    if (cart.length === 0) {
      setCartError('Add at least one item to the cart.');
      return;
    }
    await placeOrder(pharmacyId, cart, prescriptionId || null);
    setCart([]);
    navigate('/orders');
  });

  // Prescription-only medicines are offered once a prescription is named (the pharmacist checks it when dispensing).
  const otc = (catalogue.data?.items ?? []).filter((i) => !i.medicine.discontinued && (prescriptionId !== '' || (!i.medicine.prescriptionOnly && i.medicine.schedule === 'None')));
  return (
    <Page title="Order medicines">
      <Card title="Pharmacy">
        <ProblemAlert error={pharmacies.error} />
        <Field id="order-pharmacy" label="Pharmacy">
          <select id="order-pharmacy" value={pharmacyId} onChange={(e) => choose((e.currentTarget as HTMLSelectElement).value)}>
            <option value="">Choose a pharmacy…</option>
            {(pharmacies.data ?? []).map((p) => <option key={p.id} value={p.id}>{p.name} · {p.address}</option>)}
          </select>
        </Field>
      </Card>
      {pharmacyId && (
        <Card title={prescriptionId ? 'Medicines' : 'Over-the-counter medicines'}>
          <ProblemAlert error={catalogue.error} />
          {catalogue.loading && !catalogue.data && <Spinner label="Loading the catalogue…" />}
          {catalogue.data && (otc.length === 0 ? <Empty>This pharmacy lists no over-the-counter medicines.</Empty> : (
            <DataTable label="Catalogue" columns={['Medicine', 'Price', 'Availability', 'Quantity', '']}>
              {otc.map((i) => {
                const name = describeMedicine(i.medicine);
                return (
                  <tr key={i.medicine.id}>
                    <th scope="row">{name}</th>
                    <td>{formatPrice(i.medicine)}</td>
                    <td>{availabilityLabel(i.availability)}</td>
                    <td>
                      <input aria-label={`Quantity of ${name}`} inputMode="numeric" size={4} value={quantities[i.medicine.id] ?? '1'}
                        onInput={(e) => setQuantities((q) => ({ ...q, [i.medicine.id]: (e.currentTarget as HTMLInputElement).value }))} />
                    </td>
                    <td>
                      <Button kind="secondary" aria-label={`Add ${name} to the cart`} disabled={i.availability === 'Out'} onClick={() => add(i.medicine.id)}>Add</Button>
                    </td>
                  </tr>
                );
              })}
            </DataTable>
          ))}
        </Card>
      )}
      {pharmacyId && (
        <Card title="Cart">
          {cartError && <Notice kind="warning">{cartError}</Notice>}
          {cart.length === 0 ? <Empty>The cart is empty.</Empty> : (
            <DataTable label="Cart" columns={['Medicine', { label: 'Quantity', class: 'num' }, { label: 'Amount', class: 'num' }, '']}>
              {cart.map((l) => {
                const m = medicines.get(l.medicineId);
                const name = m ? describeMedicine(m) : l.medicineId;
                return (
                  <tr key={l.medicineId}>
                    <th scope="row">{name}</th>
                    <td class="num">{l.quantity}</td>
                    <td class="num">{m ? formatMinor(l.quantity * m.priceMinor, m.currency) : '—'}</td>
                    <td><Button kind="link" aria-label={`Remove ${name} from the cart`} onClick={() => setCart((c) => c.filter((x) => x.medicineId !== l.medicineId))}>Remove</Button></td>
                  </tr>
                );
              })}
            </DataTable>
          )}
          {cart.length > 0 && <p>Total <strong data-testid="cart-total">{formatMinor(total, currency)}</strong></p>}
          <Field id="order-prescription" label="Prescription (optional)" hint="Shared with the pharmacy's admin-verified pharmacists for dispensing when you place the order.">
            <select id="order-prescription" value={prescriptionId} onChange={(e) => setPrescriptionId((e.currentTarget as HTMLSelectElement).value)}>
              <option value="">None (over the counter only)</option>
              {(prescriptions.data ?? []).map((rx) => (
                <option key={rx.info.prescriptionId} value={rx.info.prescriptionId}>
                  {`Prescription ${rx.info.prescriptionId.slice(0, 8)} · ${rx.unitsLeft} units left`}
                </option>
              ))}
            </select>
          </Field>
          <ProblemAlert error={place.error} />
          <Button busy={place.busy} busyLabel="Sealing and placing the order…" disabled={cart.length === 0} onClick={() => void place.run()}>Place order</Button>
          <p class="muted">The order's lines are sealed in this browser for the pharmacy's key (checked on the ledger) and for you; the server sees the amount only.</p>
        </Card>
      )}
    </Page>
  );
}
