import { useState } from 'preact/hooks';
import { me } from '../../app/session';
import { assignDoctor, careAssignments, unassignDoctor, type CareAssignment } from '../../sdk/care';
import { organizationMembers, type OrganizationMember } from '../../sdk/organizations';
import { cardLine, identityCard, requireTrusted, type CheckedCard } from '../../sdk/identity';
import { ActionForm, DataTable, Button, Card, Empty, Field, formatDateTime, Notice, Page, ProblemAlert, ShortId, Spinner } from '../../ui/components';
import { useAction, useAsync } from '../../ui/hooks';
import { EmergencyKeyCard } from './EmergencyKeyCard';

// Staff reach a patient only through a relationship the patient created (a booking at this hospital), so the
// patient is named by the id that relationship shows; the directory finds no patient by email.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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

  return (
    <Page title="Doctors">
      <ProblemAlert error={members.error} />
      {members.loading && !members.data && <Spinner label="Loading doctors…" />}
      {members.data && (
        <Card title="Doctors of your hospital">
          {doctors.length === 0 ? (
            <Empty>No doctors have joined your hospital yet.</Empty>
          ) : (
            <DataTable columns={['Licence', 'Account', 'Verification']}>
              {doctors.map((d) => (
                <tr key={d.userId}>
                  <td>{d.licenseNumber ?? '—'}</td>
                  <td>
                    <ShortId id={d.userId} />
                  </td>
                  <td>
                    <span class={`badge ${d.verification === 'Approved' ? 'ok' : d.verification === 'Rejected' ? 'bad' : 'neutral'}`}>{d.verification}</span>
                  </td>
                </tr>
              ))}
            </DataTable>
          )}
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
  const [patientId, setPatientId] = useState('');
  const [idError, setIdError] = useState<string | undefined>();
  const [done, setDone] = useState<string | null>(null);
  // The chosen doctor's identity card, checked here (ledger keys, admin's own signed verification) before assigning.
  const [card, setCard] = useState<CheckedCard | null>(null);
  const chosen = doctorId || props.doctors[0]?.userId || '';
  const assign = useAction(async () => {
    setDone(null);
    const id = patientId.trim().toLowerCase();
    if (!UUID.test(id)) {
      setIdError("Enter the patient's id, as their booking shows it.");
      return;
    }
    setIdError(undefined);
    const doctor = card?.card.userId === chosen ? card : await identityCard(chosen);
    setCard(doctor);
    requireTrusted(doctor);
    const a = await assignDoctor(chosen, id);
    props.onAssigned(a);
    setDone(`${cardLine(doctor).split(' · ')[0]} is now assigned to patient ${id.slice(0, 8)}.`);
    setPatientId('');
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
        <Field id="assign-patient" label="Patient id" hint="The assignment is signed on this device and recorded on the ledger." error={idError}>
          <input id="assign-patient" type="text" autocomplete="off" value={patientId} onInput={(e) => setPatientId(e.currentTarget.value)} aria-invalid={!!idError} aria-describedby="assign-patient-hint" />
        </Field>
        <ProblemAlert error={assign.error} />
        {done && <Notice kind="success">{done}</Notice>}
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
  const remove = useAction(async () => {
    await unassignDoctor(a.doctorId, a.patientId);
    props.onRemoved();
  });
  return (
    <tr>
      <td>
        <ShortId id={a.patientId} />
      </td>
      <td>{props.doctor}</td>
      <td>{formatDateTime(a.assignedAt)}</td>
      <td>
        <ShortId id={a.transactionId} />
      </td>
      <td>
        <Button kind="secondary" busy={remove.busy} busyLabel="Unassigning…" onClick={() => void remove.run()} aria-label={`Unassign ${props.doctor} from patient ${a.patientId.slice(0, 8)}`}>
          Unassign
        </Button>
        <ProblemAlert error={remove.error} />
      </td>
    </tr>
  );
}
