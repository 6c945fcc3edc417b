import { role } from '../../app/session';
import { listRecords } from '../../sdk/records';
import { Empty, Notice, Page, ProblemAlert, Spinner } from '../../ui/components';
import { useAsync } from '../../ui/hooks';
import { RecordCard } from './RecordCard';
import { useSharedProfiles } from './PatientName';

/** What each professional role may be given, as the server's read rules (RecordAccess) enforce it. */
function ScopeNotice() {
  if (role.value === 'Pharmacist') {
    return (
      <Notice>
        As a pharmacist you see only <strong>prescriptions (MedicationRequest records)</strong> that patients shared with you. Other
        records are never shown to pharmacists, even if shared. Dispensing arrives with the pharmacy module later.
      </Notice>
    );
  }
  return (
    <Notice>
      As insurer staff you see only records that patients shared with you <strong>and</strong> that are attached to a claim against your
      company. Claims handling arrives with the insurer module later.
    </Notice>
  );
}

export function SharedRecords() {
  const records = useAsync(() => listRecords(), []);
  // Patients who granted this reader access wrapped their profile for them: one fetch names every card.
  const profiles = useSharedProfiles();
  return (
    <Page title="Shared with me">
      <ScopeNotice />
      {records.loading && <Spinner label="Loading shared records…" />}
      <ProblemAlert error={records.error} />
      <ProblemAlert error={profiles.error} />
      {records.data && records.data.length === 0 && <Empty>No records are shared with you yet.</Empty>}
      {records.data && records.data.length > 0 && (
        <section aria-label="Shared records">
          {records.data.map((r) => (
            <RecordCard key={r.recordId} summary={r} showPatient profiles={profiles.data} />
          ))}
        </section>
      )}
    </Page>
  );
}
