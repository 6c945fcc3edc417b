import { useState } from 'preact/hooks';
import { Link } from '../../app/router';
import { availabilityLabel, describeMedicine, formatPrice, pharmaciesNearby, searchMedicines, type MedicineSearchPage, type PharmaciesNearbyPage } from '../../sdk/pharmacy';
import { ActionForm, Button, Card, DataTable, Empty, Field, Page, ProblemAlert } from '../../ui/components';
import { useAction } from '../../ui/hooks';

// The demo city (the demo world's pharmacies are around it).
const DEFAULT_LATITUDE = '52.52';
const DEFAULT_LONGITUDE = '13.405';

/** Patients find a medicine across verified pharmacies, and pharmacies near them that have it (availability, never counts). */
export function FindMedicine() {
  const [name, setName] = useState('');
  const [latitude, setLatitude] = useState(DEFAULT_LATITUDE);
  const [longitude, setLongitude] = useState(DEFAULT_LONGITUDE);
  const [error, setError] = useState<string | undefined>();
  const [hits, setHits] = useState<MedicineSearchPage | null>(null);
  const [nearby, setNearby] = useState<PharmaciesNearbyPage | null>(null);

  const search = useAction(async () => {
    const q = name.trim();
    const lat = Number(latitude);
    const lon = Number(longitude);
    if (q.length < 2) {
      setError('Enter at least two letters of the medicine name.');
      return;
    }
    setError(undefined);
    const located = latitude.trim() !== '' && longitude.trim() !== '' && Number.isFinite(lat) && Number.isFinite(lon);
    const [found, near] = await Promise.all([searchMedicines(q), located ? pharmaciesNearby(lat, lon, 10, q) : Promise.resolve(null)]);
    setHits(found);
    setNearby(near);
  });

  return (
    <Page title="Find a medicine">
      <Card>
        <ActionForm class="stack" noValidate onSubmit={() => void search.run()}>
          <Field id="medicine-query" label="Medicine name" error={error}>
            <input id="medicine-query" value={name} onInput={(e) => setName(e.currentTarget.value)} maxLength={120} aria-invalid={!!error} />
          </Field>
          <div class="row">
            <Field id="medicine-lat" label="Latitude">
              <input id="medicine-lat" inputMode="decimal" value={latitude} onInput={(e) => setLatitude(e.currentTarget.value)} />
            </Field>
            <Field id="medicine-lon" label="Longitude">
              <input id="medicine-lon" inputMode="decimal" value={longitude} onInput={(e) => setLongitude(e.currentTarget.value)} />
            </Field>
          </div>
          <ProblemAlert error={search.error} />
          <Button type="submit" busy={search.busy} busyLabel="Searching…">Search</Button>
        </ActionForm>
        <p class="muted">Pharmacies show whether a medicine is in stock, low or out — not how many they hold.</p>
      </Card>
      {nearby && (
        <Card title="Pharmacies nearby with it in stock">
          {nearby.items.length === 0 ? <Empty>No pharmacy within 10 km has it in stock.</Empty> : (
            <DataTable label="Pharmacies nearby" columns={['Pharmacy', 'Address', { label: 'km', class: 'num' }, 'Has', '']}>
              {nearby.items.map((p) => (
                <tr key={p.pharmacyId}>
                  <th scope="row">{p.name}</th>
                  <td>{p.address}</td>
                  <td class="num">{p.distanceKm.toFixed(1)}</td>
                  <td>{p.matches.map((m) => `${describeMedicine(m.medicine)} (${availabilityLabel(m.availability)})`).join('; ')}</td>
                  <td><Link href={`/orders/new?pharmacy=${p.pharmacyId}`}>{`Order from ${p.name}`}</Link></td>
                </tr>
              ))}
            </DataTable>
          )}
        </Card>
      )}
      {hits && (
        <Card title={`${hits.total} match(es)`}>
          {hits.items.length === 0 ? <Empty>No pharmacy lists a medicine by that name.</Empty> : (
            <DataTable label="Medicines found" columns={['Medicine', 'Pharmacy', 'Price', 'Availability', '']}>
              {hits.items.map((h) => (
                <tr key={h.medicine.id}>
                  <th scope="row">{describeMedicine(h.medicine)}</th>
                  <td>{h.pharmacyName}</td>
                  <td>{formatPrice(h.medicine)}</td>
                  <td>{availabilityLabel(h.availability)}</td>
                  <td><Link href={`/orders/new?pharmacy=${h.pharmacyId}`}>Order</Link></td>
                </tr>
              ))}
            </DataTable>
          )}
        </Card>
      )}
    </Page>
  );
}
