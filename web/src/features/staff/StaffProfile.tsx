import { useState } from 'preact/hooks';
import { me } from '../../app/session';
import { getHospital, updateHospitalProfile, type HospitalProfile } from '../../sdk/hospitals';
import { ActionForm, Button, Card, Field, Notice, Page, ProblemAlert, Spinner } from '../../ui/components';
import { useAction, useAsync } from '../../ui/hooks';
import { OrganizationCardForm } from './OrganizationCardForm';

/** One entry per line; blank lines and repeats dropped, so what is saved is what the list shows. */
function lines(text: string): string[] {
  return [...new Set(text.split('\n').map((l) => l.trim()).filter(Boolean))];
}

/**
 * Staff edit what patients see of their hospital in search and on its page: departments, services and visiting rules, and the
 * hospital's card (OrganizationCardForm).
 * Public directory data, so plain JSON; the server checks lengths and counts and answers a 422 per field.
 */
export function StaffProfile() {
  const hospitalId = me.value?.organizationId ?? null;
  const loaded = useAsync((signal) => (hospitalId ? getHospital(hospitalId, signal) : Promise.reject(new Error('Your account belongs to no hospital.'))), [hospitalId]);

  return (
    <Page title="Hospital profile">
      <ProblemAlert error={loaded.error} />
      {loaded.loading && !loaded.data && <Spinner label="Loading the profile…" />}
      {loaded.data && hospitalId && <HospitalProfileForm hospitalId={hospitalId} profile={loaded.data} />}
      <OrganizationCardForm />
    </Page>
  );
}

/**
 * The form starts from the loaded profile in its very first render. (Copying the profile into the fields in an effect
 * after the first render overwrote whatever was typed in between; on a slow machine a test typed there.)
 */
function HospitalProfileForm({ hospitalId, profile }: { hospitalId: string; profile: HospitalProfile }) {
  const [departments, setDepartments] = useState(() => profile.departments.join('\n'));
  const [services, setServices] = useState(() => profile.services.join('\n'));
  const [rules, setRules] = useState(() => profile.visitingRules ?? '');
  const [saved, setSaved] = useState(false);

  const save = useAction(async () => {
    setSaved(false);
    const updated = await updateHospitalProfile(hospitalId, lines(departments), lines(services), rules.trim() ? rules : null);
    setDepartments(updated.departments.join('\n'));
    setServices(updated.services.join('\n'));
    setRules(updated.visitingRules ?? '');
    setSaved(true);
  });

  return (
    <Card title={profile.name}>
      <p class="muted">Patients see these on the hospital's page and find the hospital by its services in search.</p>
      <ActionForm class="stack" noValidate onSubmit={() => void save.run()}>
        <Field id="profile-departments" label="Departments" hint="One per line, up to 100, each up to 100 characters.">
          <textarea id="profile-departments" rows={6} value={departments} onInput={(e) => (setSaved(false), setDepartments(e.currentTarget.value))} aria-describedby="profile-departments-hint" />
        </Field>
        <Field id="profile-services" label="Services" hint="One per line (for example: MRI, dialysis, 24-hour emergency).">
          <textarea id="profile-services" rows={6} value={services} onInput={(e) => (setSaved(false), setServices(e.currentTarget.value))} aria-describedby="profile-services-hint" />
        </Field>
        <Field id="profile-rules" label="Visiting rules" hint="Plain text, up to 2,000 characters.">
          <textarea id="profile-rules" rows={4} maxLength={2000} value={rules} onInput={(e) => (setSaved(false), setRules(e.currentTarget.value))} aria-describedby="profile-rules-hint" />
        </Field>
        <ProblemAlert error={save.error} />
        {saved && <Notice kind="success">Profile saved; patients see it now.</Notice>}
        <div class="row">
          <Button type="submit" busy={save.busy} busyLabel="Saving…">
            Save profile
          </Button>
        </div>
      </ActionForm>
    </Card>
  );
}
