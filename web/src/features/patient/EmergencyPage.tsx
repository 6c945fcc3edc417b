import { useLayoutEffect, useState } from 'preact/hooks';
import { ActionForm, Button, Card, Empty, Field, Notice, Page, ProblemAlert, Spinner } from '../../ui/components';
import { useAction, useAsync } from '../../ui/hooks';
import { currentSummary, myDesignations, saveEmergencySummary, verifiedHospitalKey, withdrawDesignation, type VerifiedHospitalKey } from '../../sdk/emergency';
import { listHospitals, organizationCard, type Organization } from '../../sdk/organizations';
import { VerifiedBadge } from '../hospitals/VerifiedBadge';
import { EMERGENCY_SUMMARY_FORMAT, EmergencySummaryCard, type EmergencySummary } from '../../fhir/emergencySummary';
import './patient.css';

interface HospitalChoice {
  hospital: Organization;
  /** null: no key published; Error: a key was served but did not verify against the ledger. */
  key: VerifiedHospitalKey | null | Error;
}

async function loadHospitals(): Promise<HospitalChoice[]> {
  const hospitals = await listHospitals();
  return Promise.all(
    hospitals.map(async (hospital) => {
      try {
        return { hospital, key: await verifiedHospitalKey(hospital.id) };
      } catch (e) {
        return { hospital, key: e instanceof Error ? e : new Error(String(e)) };
      }
    }),
  );
}

const EMPTY: EmergencySummary = {
  format: EMERGENCY_SUMMARY_FORMAT, bloodType: '', allergies: '', conditions: '', medications: '',
  emergencyContact: { name: '', phone: '', relationship: '' }, notes: '', updatedAt: '',
};

const BLOOD_TYPES = ['', 'O-', 'O+', 'A-', 'A+', 'B-', 'B+', 'AB-', 'AB+', 'unknown'];

export function EmergencyPage() {
  const current = useAsync(() => currentSummary(), []);
  const hospitals = useAsync(() => loadHospitals(), []);
  const designations = useAsync((signal) => myDesignations(signal), []);
  const [form, setForm] = useState<EmergencySummary>(EMPTY);
  const [chosen, setChosen] = useState<string[]>([]);
  const [step, setStep] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);

  // A layout effect, not an effect: it runs in the same task as the render that first shows the fields, so no keystroke
  // can land in them before the loaded values do (an effect ran after paint, and typing in between was overwritten).
  useLayoutEffect(() => {
    if (current.data?.summary) setForm(current.data.summary);
  }, [current.data]);
  useLayoutEffect(() => {
    // Pre-select the hospitals the summary is already designated for.
    if (designations.data) setChosen(designations.data.map((d) => d.hospitalId));
  }, [designations.data]);

  const save = useAction(async () => {
    const keys = (hospitals.data ?? []).filter((h) => chosen.includes(h.hospital.id)).map((h) => h.key);
    const usable = keys.filter((k): k is VerifiedHospitalKey => k !== null && !(k instanceof Error));
    try {
      await saveEmergencySummary({ ...form, updatedAt: new Date().toISOString() }, current.data?.record.recordId ?? null, usable, setStep);
    } finally {
      setStep(null);
    }
    setSaved(usable.length ? `Saved and made available to ${usable.length} hospital${usable.length === 1 ? '' : 's'} for emergencies.` : 'Saved. Choose a hospital to make it available in an emergency.');
    current.reload();
    designations.reload();
  });

  const withdraw = useAction(async (hospitalId: string) => {
    await withdrawDesignation(hospitalId);
    setSaved(`${hospitalName(hospitalId)} can no longer open your summary.`);
    setChosen((c) => c.filter((x) => x !== hospitalId));
    designations.reload();
  });

  const set = (patch: Partial<EmergencySummary>) => setForm((f) => ({ ...f, ...patch }));
  const setContact = (patch: Partial<EmergencySummary['emergencyContact']>) => setForm((f) => ({ ...f, emergencyContact: { ...f.emergencyContact, ...patch } }));
  const text = (id: string, label: string, value: string, onInput: (v: string) => void, hint?: string, multiline = true) => (
    <Field id={id} label={label} hint={hint}>
      {multiline ? (
        <textarea id={id} value={value} onInput={(e) => onInput((e.currentTarget as HTMLTextAreaElement).value)} rows={2} />
      ) : (
        <input id={id} value={value} onInput={(e) => onInput((e.currentTarget as HTMLInputElement).value)} />
      )}
    </Field>
  );
  // The form appears once the current summary has loaded (or failed to): shown empty while it decrypted, a user could
  // type and save over a summary they had not seen. A reload after saving keeps the form (the data stays meanwhile).
  const summaryLoaded = current.data !== undefined || current.error != null;
  const hospitalName = (id: string) => hospitals.data?.find((h) => h.hospital.id === id)?.hospital.name ?? `hospital ${id.slice(0, 8)}`;

  return (
    <Page title="Emergency">
      <p class="muted">
        A short summary that a doctor at the hospitals you choose can open in an emergency ("break the glass"). Every such opening is recorded on
        the ledger, you are notified, and the platform administrator reviews it.
      </p>
      {saved && <Notice kind="success">{saved}</Notice>}
      <ProblemAlert error={current.error} />
      {current.loading && <Spinner label="Decrypting your current summary…" />}
      {summaryLoaded && (
        <ActionForm
          class="card stack wide-form"
          aria-label="Emergency summary"
          onSubmit={() => {
            setSaved(null);
            void save.run();
          }}
        >
          <h2 class="card-title">My emergency summary</h2>
          <Field id="em-blood" label="Blood type">
            <select id="em-blood" value={form.bloodType} onChange={(e) => set({ bloodType: (e.currentTarget as HTMLSelectElement).value })}>
              {BLOOD_TYPES.map((b) => (
                <option key={b} value={b}>
                  {b || 'Not given'}
                </option>
              ))}
            </select>
          </Field>
          {text('em-allergies', 'Allergies', form.allergies, (v) => set({ allergies: v }), 'e.g. penicillin (anaphylaxis), latex')}
          {text('em-conditions', 'Conditions', form.conditions, (v) => set({ conditions: v }), 'e.g. type 1 diabetes, epilepsy')}
          {text('em-medications', 'Medications', form.medications, (v) => set({ medications: v }), 'Name and dose of what you take regularly')}
          <fieldset class="stack">
            <legend>Emergency contact</legend>
            {text('em-contact-name', 'Contact name', form.emergencyContact.name, (v) => setContact({ name: v }), undefined, false)}
            {text('em-contact-relationship', 'Relationship', form.emergencyContact.relationship, (v) => setContact({ relationship: v }), undefined, false)}
            <Field id="em-contact-phone" label="Contact phone">
              <input id="em-contact-phone" type="tel" value={form.emergencyContact.phone} onInput={(e) => setContact({ phone: (e.currentTarget as HTMLInputElement).value })} />
            </Field>
          </fieldset>
          {text('em-notes', 'Other notes', form.notes, (v) => set({ notes: v }))}
          <fieldset>
            <legend>Hospitals that may open it in an emergency</legend>
            {hospitals.loading && <Spinner label="Checking hospitals' emergency keys against the ledger…" />}
            <ProblemAlert error={hospitals.error} />
            {hospitals.data?.length === 0 && <Empty>No verified hospitals yet.</Empty>}
            {hospitals.data?.map(({ hospital, key }) => {
              const usable = key !== null && !(key instanceof Error);
              return (
                <div key={hospital.id}>
                  <label class="checkbox">
                    <input
                      type="checkbox"
                      disabled={!usable}
                      checked={usable && chosen.includes(hospital.id)}
                      onChange={(e) => setChosen((c) => ((e.currentTarget as HTMLInputElement).checked ? [...c, hospital.id] : c.filter((x) => x !== hospital.id)))}
                    />
                    {hospital.name}
                    <VerifiedBadge card={organizationCard(hospital)} />
                    {usable && <span class="badge ok">key verified on the ledger</span>}
                    {key === null && <span class="badge neutral">no emergency key published</span>}
                    {key instanceof Error && <span class="badge bad">key NOT verified</span>}
                  </label>
                  {key instanceof Error && <small class="field-error">{key.message}</small>}
                </div>
              );
            })}
          </fieldset>
          {step && <Spinner label={step} />}
          <ProblemAlert error={save.error} />
          <div class="row">
            <Button type="submit" busy={save.busy} busyLabel="Saving…">
              Save emergency summary
            </Button>
          </div>
        </ActionForm>
      )}

      <Card title="Where it is available now">
        <ProblemAlert error={designations.error ?? withdraw.error} />
        {designations.loading && <Spinner label="Loading…" />}
        {designations.data?.length === 0 && <Empty>Your summary is not available to any hospital.</Empty>}
        {designations.data && designations.data.length > 0 && (
          <ul aria-label="Hospitals that can open your summary">
            {designations.data.map((d) => (
              <li key={d.hospitalId} class="row">
                <span>
                  {hospitalName(d.hospitalId)} — version {d.version}{' '}
                  {d.needsRewrap && <span class="badge bad">hospital changed its key: not yet wrapped for the new key (sign in again, or save)</span>}
                  {d.currentKeyId === null && <span class="badge bad">hospital withdrew its key</span>}
                </span>
                <Button kind="secondary" busy={withdraw.busy} busyLabel="Withdrawing…" onClick={() => void withdraw.run(d.hospitalId)}
                  aria-label={`Withdraw ${hospitalName(d.hospitalId)}`}>
                  Withdraw
                </Button>
              </li>
            ))}
          </ul>
        )}
      </Card>
      {current.data?.summary && (
        <Card title="What a doctor will see">
          <EmergencySummaryCard summary={current.data.summary} />
        </Card>
      )}
    </Page>
  );
}
