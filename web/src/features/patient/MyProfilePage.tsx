import { useLayoutEffect, useState } from 'preact/hooks';
import { ActionForm, Button, Card, DataTable, Empty, Field, Notice, Page, ProblemAlert, ShortId, Spinner } from '../../ui/components';
import { useAction, useAsync } from '../../ui/hooks';
import { myProfile, profileRecipients, setMyProfile, type PatientProfile, type ProfileRelation, type SkippedParty } from '../../sdk/profiles';
import './patient.css';

const EMPTY: PatientProfile = { name: '', birthDate: '', sex: '', phone: '' };

const RELATION: Record<ProfileRelation, string> = {
  Self: 'You',
  Grantee: 'You granted them access',
  AssignedDoctor: 'Your assigned doctor',
  HospitalStaff: 'Staff of a hospital you registered or booked with',
  BookedDoctor: 'A doctor you have an appointment with',
};

function Skipped(props: { skipped: SkippedParty[] }) {
  if (props.skipped.length === 0) return null;
  return (
    <Notice kind="warning">
      <p>Not shared with {props.skipped.length} user{props.skipped.length === 1 ? '' : 's'} the server listed, because this browser could not confirm them:</p>
      <ul>
        {props.skipped.map((s) => (
          <li key={s.userId}>
            <ShortId id={s.userId} /> ({RELATION[s.relation] ?? s.relation}): {s.reason}
          </li>
        ))}
      </ul>
    </Notice>
  );
}

/**
 * The patient's own name, birth date, sex and phone: sealed and signed in this browser, the key wrapped only for the
 * parties it has checked against the ledger (sdk/profiles.ts). Saving writes a new version under a new key, so a
 * party no longer related cannot read it.
 */
export function MyProfilePage() {
  const current = useAsync((signal) => myProfile(signal), []);
  const parties = useAsync(() => profileRecipients(), []);
  const [form, setForm] = useState<PatientProfile>(EMPTY);
  const [saved, setSaved] = useState<{ version: number; skipped: SkippedParty[] } | null>(null);

  // A layout effect, not an effect: it runs in the same task as the render that first shows the fields, so no keystroke
  // can land in them before the loaded values do (an effect ran after paint, and typing in between was overwritten).
  useLayoutEffect(() => {
    if (current.data) setForm(current.data.profile);
  }, [current.data]);

  const save = useAction(async () => {
    const result = await setMyProfile({ name: form.name.trim(), birthDate: form.birthDate, sex: form.sex, phone: form.phone.trim() });
    setSaved({ version: result.profile.version, skipped: result.skipped });
    current.reload();
    parties.reload();
  });

  const set = (patch: Partial<PatientProfile>) => setForm((f) => ({ ...f, ...patch }));
  const value = (key: keyof PatientProfile) => (e: Event) => set({ [key]: (e.currentTarget as HTMLInputElement).value } as Partial<PatientProfile>);

  return (
    <Page title="My profile">
      <p class="muted">
        Your name and contact details are sealed in this browser. The server stores only ciphertext; the people listed below can open
        it, and no one else. Saving makes a new version with a new key: someone you no longer deal with cannot read it.
      </p>
      <ProblemAlert error={current.error ?? save.error} />
      {saved && (
        <Notice kind="success">Saved version {saved.version}.</Notice>
      )}
      {saved && <Skipped skipped={saved.skipped} />}
      {current.loading ? <Spinner label="Opening your profile…" /> : (
        <Card title="Details">
          <ActionForm onSubmit={() => void save.run()}>
            <Field id="profile-name" label="Full name">
              <input id="profile-name" value={form.name} required onInput={value('name')} />
            </Field>
            <Field id="profile-birth-date" label="Birth date">
              <input id="profile-birth-date" type="date" value={form.birthDate} onInput={value('birthDate')} />
            </Field>
            <Field id="profile-sex" label="Sex">
              <select id="profile-sex" value={form.sex} onChange={(e) => set({ sex: (e.currentTarget as HTMLSelectElement).value })}>
                <option value="">Not given</option>
                <option value="female">Female</option>
                <option value="male">Male</option>
                <option value="other">Other</option>
              </select>
            </Field>
            <Field id="profile-phone" label="Phone">
              <input id="profile-phone" type="tel" value={form.phone} onInput={value('phone')} />
            </Field>
            <div class="row">
              <Button type="submit" busy={save.busy} busyLabel="Sealing…" disabled={!form.name.trim()}>Save profile</Button>
            </div>
          </ActionForm>
        </Card>
      )}
      <Card title="Who can open it">
        <ProblemAlert error={parties.error} />
        {parties.loading ? <Spinner label="Checking your parties against the ledger…" /> : parties.data && (
          <>
            <DataTable label="Profile recipients" columns={['Who', 'Why', 'Holds the current version']}>
              {parties.data.recipients.map((r) => (
                <tr key={r.userId}>
                  <td>{r.who}</td>
                  <td>{RELATION[r.relation]}</td>
                  <td>{current.data ? (r.wrapped ? 'yes' : 'not yet (added on your next save or sign-in)') : 'no profile saved yet'}</td>
                </tr>
              ))}
            </DataTable>
            {parties.data.recipients.length === 1 && <Empty>Only you, so far.</Empty>}
            {!saved && <Skipped skipped={parties.data.skipped} />}
          </>
        )}
      </Card>
    </Page>
  );
}
