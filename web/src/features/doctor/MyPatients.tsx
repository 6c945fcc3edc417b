import { useState } from 'preact/hooks';
import { Link, navigate } from '../../app/router';
import { careAssignments } from '../../sdk/care';
import { ActionForm, DataTable, Button, Empty, Field, Page, ProblemAlert, ShortId, Spinner, formatDateTime } from '../../ui/components';
import { useAsync } from '../../ui/hooks';
import { hospitalNames } from '../../sdk/organizations';
import { PatientName, useSharedProfiles } from '../shared/PatientName';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Opens a patient page by id (e.g. one read out by hospital staff); the server decides what is readable. */
function OpenByIdForm() {
  const [id, setId] = useState('');
  const [error, setError] = useState<string | undefined>();
  const submit = () => {
    const value = id.trim();
    if (!UUID.test(value)) {
      setError('Enter a patient id such as 3f2a…-…: 36 characters with dashes.');
      return;
    }
    navigate(`/doctor/patients/${value.toLowerCase()}`);
  };
  return (
    <ActionForm class="row" onSubmit={submit} noValidate>
      <Field id="open-patient-id" label="Open a patient by id" error={error}>
        <input id="open-patient-id" value={id} onInput={(e) => setId(e.currentTarget.value)} aria-invalid={error ? 'true' : undefined}
          aria-describedby={error ? 'open-patient-id-error' : undefined} autocomplete="off" spellcheck={false} />
      </Field>
      <Button type="submit" kind="secondary">
        Open
      </Button>
    </ActionForm>
  );
}

/** The patients hospital staff assigned to this doctor (care assignments anchored on the ledger). */
export function MyPatients() {
  const data = useAsync(async (signal) => {
    const [assignments, hospitals] = await Promise.all([careAssignments(signal), hospitalNames(signal)]);
    return { assignments, hospitals };
  }, []);
  const profiles = useSharedProfiles();
  return (
    <Page title="My patients">
      <p class="muted">
        Patients your hospital assigned to you. The server keeps no patient names: a name appears when the patient sealed their profile
        for you (checked and opened in this browser), otherwise the patient is shown by id. You read a patient's records only while
        assigned and only those the patient shared with you.
      </p>
      {data.loading && <Spinner label="Loading your patients…" />}
      <ProblemAlert error={data.error} />
      <ProblemAlert error={profiles.error} />
      {data.data && data.data.assignments.length === 0 && <Empty>No patients are assigned to you yet.</Empty>}
      {data.data && data.data.assignments.length > 0 && (
        <DataTable columns={['Patient', 'Hospital', 'Assigned since', { label: 'Ledger transaction', class: 'hide-narrow' }]} label="Assigned patients">
          {data.data.assignments.map((a) => (
            <tr key={a.patientId + a.hospitalId}>
              <td>
                <Link href={`/doctor/patients/${a.patientId}`}>
                  <PatientName id={a.patientId} profiles={profiles.data} />
                </Link>
              </td>
              <td>{data.data!.hospitals.get(a.hospitalId) ?? <ShortId id={a.hospitalId} />}</td>
              <td>{formatDateTime(a.assignedAt)}</td>
              <td class="hide-narrow">
                <ShortId id={a.transactionId} />
              </td>
            </tr>
          ))}
        </DataTable>
      )}
      <OpenByIdForm />
    </Page>
  );
}
