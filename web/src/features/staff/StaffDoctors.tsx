import { useState } from 'preact/hooks';
import { me } from '../../app/session';
import { assignDoctor, careAssignments, relatedPatients, unassignDoctor, type CareAssignment, type RelatedPatient } from '../../sdk/care';
import { organizationMembers, type OrganizationMember } from '../../sdk/organizations';
import { cardLine, identityCard, requireTrusted, type CheckedCard } from '../../sdk/identity';
import { ActionForm, DataTable, Button, Card, Empty, Field, formatDateTime, Notice, Page, ProblemAlert, ShortId, Spinner } from '../../ui/components';
import { useAction, useAsync } from '../../ui/hooks';
import { removeDoctor } from '../../sdk/hospitalEmergencyKey';
import { EmergencyKeyCard } from './EmergencyKeyCard';
import { PatientName, patientText, useSharedProfiles } from '../shared/PatientName';
import { label, type OpenedProfile } from '../../sdk/profiles';

// Confirmations and button names: the name the patient wrapped for this viewer, with the short id staff compare with
// the patient aloud; the short id alone when no profile is wrapped for them.
function patientConfirmText(id: string, profiles: Map<string, OpenedProfile> | undefined): string {
  const profile = profiles?.get(id);
  return profile ? `${label(profile, id)} (patient ${id.slice(0, 8)})` : `patient ${id.slice(0, 8)}`;
}

function relationshipLabel(p: RelatedPatient): string {
  return [p.registered && 'registered', p.booked && 'holds a bed'].filter(Boolean).join(', ');
}

function doctorLabel(d: OrganizationMember | undefined, id: string): string {
  return d?.licenseNumber ? `Dr. licence ${d.licenseNumber}` : `Doctor ${id.slice(0, 8)}`;
}

export function StaffDoctors() {
  const hospitalId = me.value?.organizationId ?? null;
  const members = useAsync((signal) => (hospitalId ? organizationMembers(hospitalId, signal) : Promise.reject(new Error('Your account belongs to no hospital.'))), [hospitalId]);
  const assignments = useAsync((signal) => careAssignments(signal), []);
  // Names of patients who wrapped their profile for this staff member: one fetch for the picker and the table.
  const profiles = useSharedProfiles();
  const doctors = (members.data ?? []).filter((m) => m.role === 'Doctor');
  const verified = doctors.filter((d) => d.verification === 'Approved');
  const byId = new Map(doctors.map((d) => [d.userId, d]));
  const [confirming, setConfirming] = useState<string | null>(null);
  const [removed, setRemoved] = useState<string | null>(null);
  const remove = useAction(async (doctorId: string) => {
    await removeDoctor(doctorId);
    setConfirming(null);
    setRemoved(`${doctorLabel(byId.get(doctorId), doctorId)} was removed; the emergency key was replaced and the patients who chose this hospital were told to sign in.`);
    members.reload();
  });

  return (
    <Page title="Doctors">
      <ProblemAlert error={members.error} />
      {members.loading && !members.data && <Spinner label="Loading doctors…" />}
      {members.data && (
        <Card title="Doctors of your hospital">
          {doctors.length === 0 ? (
            <Empty>No doctors have joined your hospital yet.</Empty>
          ) : (
            <DataTable columns={['Licence', 'Account', 'Verification', 'Action']}>
              {doctors.map((d) => (
                <tr key={d.userId}>
                  <td>{d.licenseNumber ?? '—'}</td>
                  <td>
                    <ShortId id={d.userId} />
                  </td>
                  <td>
                    <span class={`badge ${d.verification === 'Approved' ? 'ok' : d.verification === 'Rejected' ? 'bad' : 'neutral'}`}>{d.verification}</span>
                  </td>
                  <td>
                    {confirming === d.userId ? (
                      <Button kind="secondary" busy={remove.busy} busyLabel="Removing and replacing the emergency key…" onClick={() => void remove.run(d.userId)}>
                        Confirm: remove and replace the emergency key
                      </Button>
                    ) : (
                      <Button kind="secondary" onClick={() => setConfirming(d.userId)} aria-label={`Remove ${doctorLabel(d, d.userId)} from the hospital`}>
                        Remove
                      </Button>
                    )}
                  </td>
                </tr>
              ))}
            </DataTable>
          )}
          <ProblemAlert error={remove.error} />
          {removed && <Notice kind="success">{removed}</Notice>}
        </Card>
      )}
      <ProblemAlert error={profiles.error} />
      {members.data && <AssignForm doctors={verified} profiles={profiles.data} onAssigned={(a) => assignments.setData([a, ...(assignments.data ?? [])])} />}
      <Card title="Care assignments">
        <ProblemAlert error={assignments.error} />
        {assignments.loading && !assignments.data && <Spinner label="Loading assignments…" />}
        {assignments.data && assignments.data.length === 0 && <Empty>No doctor is assigned to a patient yet.</Empty>}
        {assignments.data && assignments.data.length > 0 && (
          <DataTable columns={['Patient', 'Doctor', 'Assigned', 'Ledger transaction', 'Action']}>
            {assignments.data.map((a) => (
              <AssignmentRow
                key={a.patientId + a.doctorId}
                assignment={a}
                doctor={doctorLabel(byId.get(a.doctorId), a.doctorId)}
                profiles={profiles.data}
                onRemoved={() => assignments.setData(assignments.data!.filter((x) => x !== a))}
              />
            ))}
          </DataTable>
        )}
      </Card>
      {members.data && <EmergencyKeyCard hospitalId={hospitalId!} verifiedDoctors={verified.length} />}
    </Page>
  );
}

function AssignForm(props: { doctors: OrganizationMember[]; profiles: Map<string, OpenedProfile> | undefined; onAssigned: (a: CareAssignment) => void }) {
  const [doctorId, setDoctorId] = useState('');
  const [patientId, setPatientId] = useState('');
  const [done, setDone] = useState<string | null>(null);
  // Only patients who registered with this hospital or hold a bed here: the care contract refuses anyone else.
  const patients = useAsync((signal) => relatedPatients(signal), []);
  // The chosen doctor's identity card, checked here (ledger keys, admin's own signed verification) before assigning.
  const [card, setCard] = useState<CheckedCard | null>(null);
  // Optional, as the CLI's --expect-fingerprint: the fingerprint the doctor gave out of band.
  const [pin, setPin] = useState('');
  const chosen = doctorId || props.doctors[0]?.userId || '';
  const chosenPatient = patientId || patients.data?.[0]?.patientId || '';
  const assign = useAction(async () => {
    setDone(null);
    const doctor = card?.card.userId === chosen ? card : await identityCard(chosen);
    setCard(doctor);
    // A pinned fingerprint that differs refuses here, before anything is signed or sent.
    requireTrusted(doctor, pin.trim() || undefined);
    const a = await assignDoctor(chosen, chosenPatient, pin.trim() || undefined);
    props.onAssigned(a);
    setDone(`${cardLine(doctor).split(' · ')[0]} is now assigned to ${patientConfirmText(chosenPatient, props.profiles)}.`);
  });
  if (props.doctors.length === 0)
    return (
      <Card title="Assign a doctor to a patient">
        <Empty>Your hospital has no verified doctor to assign yet.</Empty>
      </Card>
    );
  return (
    <Card title="Assign a doctor to a patient">
      <ProblemAlert error={patients.error} />
      {patients.loading && !patients.data && <Spinner label="Loading your hospital's patients…" />}
      {patients.data && patients.data.length === 0 && (
        <Empty>No patient has registered with your hospital or holds a bed here yet; a doctor can be assigned once one has.</Empty>
      )}
      {patients.data && patients.data.length > 0 && (
        <ActionForm class="stack" noValidate onSubmit={() => void assign.run()}>
          <Field id="assign-doctor" label="Doctor">
            <select id="assign-doctor" value={chosen} onChange={(e) => { setDoctorId(e.currentTarget.value); setCard(null); }}>
              {props.doctors.map((d) => (
                <option key={d.userId} value={d.userId}>
                  {doctorLabel(d, d.userId)} ({d.userId.slice(0, 8)})
                </option>
              ))}
            </select>
          </Field>
          {card && (
            <div role="region" aria-label="Doctor's identity card" class={`alert ${card.verified ? 'info' : 'error'}`}>
              <strong>{cardLine(card)}</strong>
              <div>
                Key fingerprint <code>{card.fingerprint}</code>
              </div>
            </div>
          )}
          <Field id="assign-fingerprint" label="Expected key fingerprint (optional)" hint="If the doctor gave you their key fingerprint, paste it: the assignment is refused unless it matches.">
            <input id="assign-fingerprint" type="text" autoComplete="off" spellcheck={false} value={pin} onInput={(e) => setPin((e.currentTarget as HTMLInputElement).value)} aria-describedby="assign-fingerprint-hint" />
          </Field>
          <Field id="assign-patient" label="Patient" hint="Patients who registered with your hospital or hold a bed here. The assignment is signed on this device and recorded on the ledger.">
            <select id="assign-patient" value={chosenPatient} onChange={(e) => setPatientId(e.currentTarget.value)} aria-describedby="assign-patient-hint">
              {patients.data.map((p) => (
                <option key={p.patientId} value={p.patientId}>
                  {patientText(p.patientId, props.profiles)} · {relationshipLabel(p)}
                </option>
              ))}
            </select>
          </Field>
          <ProblemAlert error={assign.error} />
          {done && <Notice kind="success">{done}</Notice>}
          <div>
            <Button type="submit" busy={assign.busy} busyLabel="Signing and assigning…">
              Assign doctor
            </Button>
          </div>
        </ActionForm>
      )}
    </Card>
  );
}

function AssignmentRow(props: { assignment: CareAssignment; doctor: string; profiles: Map<string, OpenedProfile> | undefined; onRemoved: () => void }) {
  const a = props.assignment;
  const patient = patientConfirmText(a.patientId, props.profiles);
  const remove = useAction(async () => {
    await unassignDoctor(a.doctorId, a.patientId);
    props.onRemoved();
  });
  return (
    <tr>
      <td>
        <PatientName id={a.patientId} profiles={props.profiles} />
      </td>
      <td>{props.doctor}</td>
      <td>{formatDateTime(a.assignedAt)}</td>
      <td>
        <ShortId id={a.transactionId} />
      </td>
      <td>
        <Button kind="secondary" busy={remove.busy} busyLabel="Unassigning…" onClick={() => void remove.run()} aria-label={`Unassign ${props.doctor} from ${patient}`}>
          Unassign
        </Button>
        <ProblemAlert error={remove.error} />
      </td>
    </tr>
  );
}
