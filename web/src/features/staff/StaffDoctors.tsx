import { useState } from 'preact/hooks';
import { me } from '../../app/session';
import { assignDoctor, careAssignments, unassignDoctor, type CareAssignment } from '../../sdk/care';
import { organizationMembers, type OrganizationMember } from '../../sdk/organizations';
import { verifiedPublicKeysByEmail } from '../../sdk/ledger';
import { ActionForm, DataTable, Button, Card, Empty, Field, formatDateTime, Notice, Page, ProblemAlert, ShortId, Spinner } from '../../ui/components';
import { useAction, useAsync } from '../../ui/hooks';
import { removeDoctor } from '../../sdk/hospitalEmergencyKey';
import { EmergencyKeyCard } from './EmergencyKeyCard';

// Patient emails typed on this page, by user id: the API lists assignments by id only, so an email is shown
// only where this browser tab already knows it (never fetched or stored anywhere).
const knownPatients = new Map<string, string>();

function doctorLabel(d: OrganizationMember | undefined, id: string): string {
  return d?.licenseNumber ? `Dr. licence ${d.licenseNumber}` : `Doctor ${id.slice(0, 8)}`;
}

export function StaffDoctors() {
  const hospitalId = me.value?.organizationId ?? null;
  const members = useAsync((signal) => (hospitalId ? organizationMembers(hospitalId, signal) : Promise.reject(new Error('Your account belongs to no hospital.'))), [hospitalId]);
  const assignments = useAsync((signal) => careAssignments(signal), []);
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
      {members.data && <AssignForm doctors={verified} onAssigned={(a) => assignments.setData([a, ...(assignments.data ?? [])])} />}
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

function AssignForm(props: { doctors: OrganizationMember[]; onAssigned: (a: CareAssignment) => void }) {
  const [doctorId, setDoctorId] = useState('');
  const [email, setEmail] = useState('');
  const [emailError, setEmailError] = useState<string | undefined>();
  const [done, setDone] = useState<string | null>(null);
  const chosen = doctorId || props.doctors[0]?.userId || '';
  const assign = useAction(async () => {
    setDone(null);
    const address = email.trim();
    if (!address.includes('@')) {
      setEmailError("Enter the patient's email address.");
      return;
    }
    setEmailError(undefined);
    // Key transparency: the id comes with keys checked against the ledger registration.
    const patient = await verifiedPublicKeysByEmail(address);
    if (patient.role !== 'Patient') {
      setEmailError('That account is not a patient.');
      return;
    }
    const a = await assignDoctor(chosen, patient.userId);
    knownPatients.set(patient.userId, address);
    props.onAssigned(a);
    setDone(address);
    setEmail('');
  });
  if (props.doctors.length === 0)
    return (
      <Card title="Assign a doctor to a patient">
        <Empty>Your hospital has no verified doctor to assign yet.</Empty>
      </Card>
    );
  return (
    <Card title="Assign a doctor to a patient">
      <ActionForm
        class="stack"
        noValidate
        onSubmit={() => void assign.run()}
      >
        <Field id="assign-doctor" label="Doctor">
          <select id="assign-doctor" value={chosen} onChange={(e) => setDoctorId(e.currentTarget.value)}>
            {props.doctors.map((d) => (
              <option key={d.userId} value={d.userId}>
                {doctorLabel(d, d.userId)} ({d.userId.slice(0, 8)})
              </option>
            ))}
          </select>
        </Field>
        <Field id="assign-patient" label="Patient email" hint="The assignment is signed on this device and recorded on the ledger." error={emailError}>
          <input id="assign-patient" type="email" autocomplete="off" value={email} onInput={(e) => setEmail(e.currentTarget.value)} aria-invalid={!!emailError} aria-describedby="assign-patient-hint" />
        </Field>
        <ProblemAlert error={assign.error} />
        {done && <Notice kind="success">The doctor is now assigned to {done}.</Notice>}
        <div>
          <Button type="submit" busy={assign.busy} busyLabel="Signing and assigning…">
            Assign doctor
          </Button>
        </div>
      </ActionForm>
    </Card>
  );
}

function AssignmentRow(props: { assignment: CareAssignment; doctor: string; onRemoved: () => void }) {
  const a = props.assignment;
  const patient = knownPatients.get(a.patientId);
  const remove = useAction(async () => {
    await unassignDoctor(a.doctorId, a.patientId);
    props.onRemoved();
  });
  return (
    <tr>
      <td>{patient ?? <ShortId id={a.patientId} />}</td>
      <td>{props.doctor}</td>
      <td>{formatDateTime(a.assignedAt)}</td>
      <td>
        <ShortId id={a.transactionId} />
      </td>
      <td>
        <Button kind="secondary" busy={remove.busy} busyLabel="Unassigning…" onClick={() => void remove.run()} aria-label={`Unassign ${props.doctor} from patient ${patient ?? a.patientId.slice(0, 8)}`}>
          Unassign
        </Button>
        <ProblemAlert error={remove.error} />
      </td>
    </tr>
  );
}
