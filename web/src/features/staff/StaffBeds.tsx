import { useRef, useState } from 'preact/hooks';
import { me } from '../../app/session';
import { BUILT_IN_BED_TYPES, bedTypeLabel, getBeds, setWard, type WardBeds } from '../../sdk/hospitals';
import { ActionForm, DataTable, Button, Card, Empty, Field, formatDateTime, Notice, Page, ProblemAlert, Spinner } from '../../ui/components';
import { useAction, useAsync } from '../../ui/hooks';
import { BedCountCells, BedsByTypeTable, LiveBadge, useLiveBeds } from '../hospitals/live';

interface WardForm {
  ward: string;
  bedType: string;
  total: string;
  occupied: string;
}

const emptyForm: WardForm = { ward: '', bedType: 'general', total: '', occupied: '0' };

export function StaffBeds() {
  const hospitalId = me.value?.organizationId ?? null;
  const loaded = useAsync((signal) => (hospitalId ? getBeds(hospitalId, signal) : Promise.reject(new Error('Your account belongs to no hospital.'))), [hospitalId]);
  const beds = useLiveBeds(hospitalId, loaded.data);
  const [form, setForm] = useState<WardForm>(emptyForm);
  const [errors, setErrors] = useState<Partial<Record<keyof WardForm, string>>>({});
  const [saved, setSaved] = useState<string | null>(null);
  const formRef = useRef<HTMLFormElement>(null);
  const existing = beds?.wards.find((w) => w.ward === form.ward.trim());

  const save = useAction(async () => {
    setSaved(null);
    const total = Number(form.total);
    const occupied = Number(form.occupied);
    const errs: Partial<Record<keyof WardForm, string>> = {};
    if (!form.ward.trim()) errs.ward = 'Enter the ward name.';
    if (form.total.trim() === '' || !Number.isInteger(total) || total < 0) errs.total = 'Enter a whole number of beds (0 or more).';
    if (form.occupied.trim() === '' || !Number.isInteger(occupied) || occupied < 0) errs.occupied = 'Enter a whole number of occupied beds (0 or more).';
    else if (!errs.total && occupied > total) errs.occupied = 'Occupied beds cannot exceed the total.';
    setErrors(errs);
    if (Object.keys(errs).length) return;
    await setWard(hospitalId!, form.ward.trim(), form.bedType, total, occupied);
    setSaved(form.ward.trim());
    setForm(emptyForm);
  });

  const edit = (w: WardBeds) => {
    setSaved(null);
    setErrors({});
    setForm({ ward: w.ward, bedType: w.bedType, total: String(w.total), occupied: String(w.occupied) });
    formRef.current?.querySelector<HTMLInputElement>('#ward-total')?.focus();
  };
  const set = (k: keyof WardForm) => (e: Event) => setForm({ ...form, [k]: (e.currentTarget as HTMLInputElement).value });

  return (
    <Page title="Beds" actions={<LiveBadge />}>
      <ProblemAlert error={loaded.error} />
      {loaded.loading && !beds && <Spinner label="Loading wards…" />}
      {beds && (
        <>
          <Card title="Wards">
            {beds.wards.length === 0 ? <Empty>No wards yet. Add your first ward below.</Empty> : <WardTable wards={beds.wards} onEdit={edit} />}
            <p class="muted">Held beds belong to patients' bookings; they return when a booking is admitted, released, cancelled or expires. Updated {formatDateTime(beds.asOf)}.</p>
          </Card>
          <Card title="By bed type">
            <BedsByTypeTable rows={beds.byType} caption="Totals across wards" />
          </Card>
        </>
      )}
      {hospitalId && (
        <Card title={existing ? `Update ward ${existing.ward}` : 'Add or update a ward'}>
          <ActionForm
            ref={formRef}
            class="stack"
            noValidate
            onSubmit={() => void save.run()}
          >
            <Field id="ward-name" label="Ward name" hint="An existing ward's name updates that ward." error={errors.ward}>
              <input id="ward-name" value={form.ward} onInput={set('ward')} maxLength={100} aria-invalid={!!errors.ward} aria-describedby="ward-name-hint" />
            </Field>
            <Field id="ward-type" label="Bed type">
              <select id="ward-type" value={form.bedType} onChange={set('bedType')}>
                {[...new Set([...BUILT_IN_BED_TYPES, form.bedType])].map((t) => (
                  <option key={t} value={t}>
                    {bedTypeLabel(t)}
                  </option>
                ))}
              </select>
            </Field>
            <div class="row">
              <Field id="ward-total" label="Total beds" error={errors.total}>
                <input id="ward-total" type="number" min={0} step={1} inputMode="numeric" value={form.total} onInput={set('total')} aria-invalid={!!errors.total} />
              </Field>
              <Field id="ward-occupied" label="Occupied beds" error={errors.occupied}>
                <input id="ward-occupied" type="number" min={0} step={1} inputMode="numeric" value={form.occupied} onInput={set('occupied')} aria-invalid={!!errors.occupied} />
              </Field>
            </div>
            {existing && existing.held > 0 && <p class="muted">{existing.held} bed(s) of this ward are held by bookings and stay counted.</p>}
            <ProblemAlert error={save.error} />
            {saved && <Notice kind="success">Ward {saved} saved; patients see the new numbers now.</Notice>}
            <div class="row">
              <Button type="submit" busy={save.busy} busyLabel="Saving…">
                Save ward
              </Button>
              {form.ward && (
                <Button kind="secondary" onClick={() => (setForm(emptyForm), setErrors({}))}>
                  Clear
                </Button>
              )}
            </div>
          </ActionForm>
        </Card>
      )}
    </Page>
  );
}

function WardTable(props: { wards: WardBeds[]; onEdit: (w: WardBeds) => void }) {
  return (
    <DataTable columns={['Ward', 'Bed type', { label: 'Total', class: 'num' }, { label: 'Occupied', class: 'num' }, { label: 'Held', class: 'num' }, { label: 'Free', class: 'num' }, { label: <span class="hide-narrow">Action</span> }]}>
      {props.wards.map((w) => (
        <tr key={w.wardId}>
          <th scope="row">{w.ward}</th>
          <td>{bedTypeLabel(w.bedType)}</td>
          <BedCountCells counts={w} strongFree />
          <td>
            <Button kind="link" onClick={() => props.onEdit(w)} aria-label={`Edit ward ${w.ward}`}>
              Edit
            </Button>
          </td>
        </tr>
      ))}
    </DataTable>
  );
}
