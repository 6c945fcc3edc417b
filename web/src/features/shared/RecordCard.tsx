import type { ComponentChildren } from 'preact';
import { openRecord, type RecordSummary } from '../../sdk/records';
import { RecordView } from '../../fhir/FhirCard';
import { Card, ProblemAlert, ShortId, Spinner, formatDateTime } from '../../ui/components';
import { useAsync } from '../../ui/hooks';
import type { OpenedProfile } from '../../sdk/profiles';
import { PatientName } from './PatientName';
import { RecordWhen, type Opened, type OpenedRow } from './RecordTimeline';

/**
 * One record another person shared: fetched with this reader's own wrap, checked (author key on the
 * ledger, signature, key commitment) and decrypted in this browser, then rendered. A refusal from the
 * server (no consent, wrong role…) is shown as the server phrased it.
 */
export function RecordCard(props: { summary: RecordSummary; showPatient?: boolean; profiles?: Map<string, OpenedProfile> }) {
  const s = props.summary;
  const opened = useAsync(() => openRecord(s.recordId), [s.recordId, s.latestVersion]);
  const state: Opened | null = opened.loading ? null : opened.error != null ? { error: opened.error } : opened.data ? { record: opened.data } : null;
  return <RecordCardBody summary={s} opened={state} showPatient={props.showPatient} profiles={props.profiles} />;
}

/** A timeline row of a record opened by the timeline: its date line first, then the same card. */
export function RecordTimelineCard(props: { row: OpenedRow }) {
  return (
    <RecordCardBody summary={props.row.item.summary} opened={props.row.item.opened} timeline>
      <RecordWhen row={props.row} />
    </RecordCardBody>
  );
}

function RecordCardBody(props: {
  summary: RecordSummary;
  opened: Opened | null;
  showPatient?: boolean;
  profiles?: Map<string, OpenedProfile>;
  children?: ComponentChildren;
  /** In the timeline the clinical date leads; the upload time moves to the meta line. */
  timeline?: boolean;
}) {
  const { summary: s, opened } = props;
  return (
    <Card
      headingLevel={3}
      title={
        <>
          {s.category}
          {!props.timeline && <span class="muted"> · {formatDateTime(s.updatedAtMs)}</span>}
        </>
      }
    >
      {props.children}
      <p class="muted record-meta">
        {props.timeline && <>Uploaded {formatDateTime(s.updatedAtMs)} · </>}
        Record <ShortId id={s.recordId} /> · version {s.latestVersion} · author <ShortId id={s.latestAuthorId} />
        {props.showPatient && (
          <>
            {' '}
            · <PatientName id={s.patientId} profiles={props.profiles} />
          </>
        )}
      </p>
      {opened === null && <Spinner label="Decrypting in this browser…" />}
      {opened && 'error' in opened && <ProblemAlert error={opened.error} />}
      {opened && 'record' in opened && <RecordView record={opened.record} />}
    </Card>
  );
}
