import { openRecord, type RecordSummary } from '../../sdk/records';
import { RecordView } from '../../fhir/FhirCard';
import { Card, ProblemAlert, ShortId, Spinner, formatDateTime } from '../../ui/components';
import { useAsync } from '../../ui/hooks';
import type { OpenedProfile } from '../../sdk/profiles';
import { PatientName } from './PatientName';

/**
 * One record another person shared: fetched with this reader's own wrap, checked (author key on the
 * ledger, signature, key commitment) and decrypted in this browser, then rendered. A refusal from the
 * server (no consent, wrong role…) is shown as the server phrased it.
 */
export function RecordCard(props: { summary: RecordSummary; showPatient?: boolean; profiles?: Map<string, OpenedProfile> }) {
  const s = props.summary;
  const opened = useAsync(() => openRecord(s.recordId), [s.recordId, s.latestVersion]);
  return (
    <Card
      headingLevel={3}
      title={
        <>
          {s.category} <span class="muted">· {formatDateTime(s.updatedAtMs)}</span>
        </>
      }
    >
      <p class="muted record-meta">
        Record <ShortId id={s.recordId} /> · version {s.latestVersion} · author <ShortId id={s.latestAuthorId} />
        {props.showPatient && (
          <>
            {' '}
            · <PatientName id={s.patientId} profiles={props.profiles} />
          </>
        )}
      </p>
      {opened.loading && <Spinner label="Decrypting in this browser…" />}
      {opened.error != null && <ProblemAlert error={opened.error} />}
      {opened.data && <RecordView record={opened.data} />}
    </Card>
  );
}
