import { useState } from 'preact/hooks';
import type { RouteProps } from '../../app/router';
import { Link } from '../../app/router';
import { listRecords } from '../../sdk/records';
import { Button, Empty, Notice, Page, ProblemAlert, ShortId, Spinner } from '../../ui/components';
import { useAsync } from '../../ui/hooks';
import { RecordTimelineCard } from '../shared/RecordCard';
import { RecordTimeline } from '../shared/RecordTimeline';
import { patientProfile, label } from '../../sdk/profiles';
import { DiagnosisForm } from './DiagnosisForm';
import { PrescriptionForm } from './PrescriptionForm';

type Writing = 'diagnosis' | 'prescription' | null;

/**
 * One patient's records as this doctor may read them: the server lists only what its read rules
 * allow (assigned and consented) and refuses the whole page when the doctor is not assigned.
 */
export function PatientRecords({ params }: RouteProps) {
  const patientId = params.patientId;
  const records = useAsync(() => listRecords({ patientId }), [patientId]);
  const profile = useAsync((signal) => patientProfile(patientId, signal), [patientId]);
  const [writing, setWriting] = useState<Writing>(null);
  const [saved, setSaved] = useState<{ recordId: string; kind: string; detail?: string } | null>(null);

  const onSaved = (kind: string) => (recordId: string, detail?: string) => {
    setWriting(null);
    setSaved({ recordId, kind, detail });
    records.reload();
  };
  const refused = records.error != null;
  const savedVisible = saved && records.data?.some((r) => r.recordId === saved.recordId);

  return (
    <Page
      title={profile.data ? `${label(profile.data, patientId)} (patient ${patientId.slice(0, 8)})` : label(undefined, patientId)}
      actions={
        !refused && (
          <>
            <Button kind="secondary" onClick={() => setWriting('diagnosis')} aria-expanded={writing === 'diagnosis'}>
              Write a diagnosis
            </Button>
            <Button kind="secondary" onClick={() => setWriting('prescription')} aria-expanded={writing === 'prescription'}>
              Write a prescription
            </Button>
          </>
        )
      }
    >
      <p class="muted">
        Patient id <ShortId id={patientId} /> · <Link href="/doctor/patients">Back to my patients</Link>
      </p>
      <ProblemAlert error={profile.error} />
      {writing === 'diagnosis' && <DiagnosisForm patientId={patientId} onSaved={onSaved('Diagnosis')} onCancel={() => setWriting(null)} />}
      {writing === 'prescription' && <PrescriptionForm patientId={patientId} onSaved={onSaved('Prescription')} onCancel={() => setWriting(null)} />}
      {saved && !records.loading && (
        <Notice kind="success">
          {saved.kind} saved, encrypted for the patient and anchored on the ledger (record <ShortId id={saved.recordId} />).
          {saved.detail && ` ${saved.detail}`}
          {!savedVisible && ' It is not listed below because the patient has not shared this kind of record with you.'}
        </Notice>
      )}
      <h2>Records</h2>
      {records.loading && <Spinner label="Loading records…" />}
      <ProblemAlert error={records.error} />
      {records.data && records.data.length === 0 && (
        <Empty>No records of this patient are shared with you. The patient decides what you can read; records appear once they grant consent.</Empty>
      )}
      {records.data && records.data.length > 0 && (
        <section aria-label="Patient records">
          <RecordTimeline summaries={records.data} label="Records, newest first" headingLevel={3} renderRecord={(row) => <RecordTimelineCard row={row} />} />
        </section>
      )}
    </Page>
  );
}
