import type { JSX } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { openRecord, type DecryptedRecord, type RecordSummary } from '../../sdk/records';
import { parseRecordJson } from '../../fhir/FhirCard';
import { isObj, type FhirObject } from '../../fhir/format';
import { buildTimeline, type TimelineEntry, type TimelinePanel, type TimelineRecord, type TimelineRow } from '../../fhir/timeline';
import { Spinner } from '../../ui/components';
import './timeline.css';

export type Opened = { record: DecryptedRecord } | { error: unknown };

/** A listed record once this browser has tried to open it (its own wrap, author key, signature, key commitment). */
export interface OpenedRecord extends TimelineRecord {
  opened: Opened;
}

export type OpenedRow = TimelineRow<OpenedRecord>;

const IN_FLIGHT = 6;

/**
 * Opens every listed record here (a few at a time), because the timeline orders and groups by what is inside them.
 * Records already opened at the same version are not fetched again when the list reloads.
 */
export function useOpenedRecords(summaries: RecordSummary[] | undefined): { items: OpenedRecord[] | null; done: number; total: number } {
  const cache = useRef(new Map<string, Opened>());
  const [tick, setTick] = useState(0);
  const keyOf = (s: RecordSummary) => `${s.recordId}:${s.latestVersion}`;
  const listKey = (summaries ?? []).map(keyOf).join(',');
  useEffect(() => {
    if (!summaries) return;
    let live = true;
    const queue = summaries.filter((s) => !cache.current.has(keyOf(s)));
    const worker = async () => {
      for (let s = queue.shift(); s && live; s = queue.shift()) {
        const key = keyOf(s);
        try {
          cache.current.set(key, { record: await openRecord(s.recordId) });
        } catch (error: unknown) {
          cache.current.set(key, { error });
        }
        if (live) setTick((t) => t + 1);
      }
    };
    for (let i = 0; i < IN_FLIGHT; i++) void worker();
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [listKey]);
  return useMemo(() => {
    const list = summaries ?? [];
    const done = list.filter((s) => cache.current.has(keyOf(s))).length;
    if (!summaries || done < list.length) return { items: null, done, total: list.length };
    const items = list.map((summary) => {
      const opened = cache.current.get(keyOf(summary))!;
      const parsed = 'record' in opened ? parseRecordJson(opened.record) : null;
      const resource: FhirObject | null = isObj(parsed) && typeof parsed.resourceType === 'string' ? parsed : null;
      return { summary, opened, resource };
    });
    return { items, done, total: list.length };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [listKey, tick]);
}

/** The date line every timeline row starts with: the clinical date (or the upload, said so) and an abnormal flag in words. */
export function RecordWhen(props: { row: OpenedRow }) {
  const { row } = props;
  return (
    <p class="record-when">
      <time dateTime={row.clinical?.value ?? new Date(row.item.summary.createdAtMs).toISOString()} class={row.clinical ? 'clinical' : 'uploaded'}>
        {row.dateText}
      </time>
      {!row.clinical && <span class="muted"> (no clinical date in the record)</span>}
      {row.abnormal && <AbnormalFlag text={row.abnormal} />}
    </p>
  );
}

/** Abnormal in text, not colour alone: "⚠ Abnormal: High". */
export function AbnormalFlag(props: { text: string }) {
  return <span class="badge flag">⚠ Abnormal: {props.text}</span>;
}

function Panel(props: { panel: TimelinePanel<OpenedRecord>; renderRecord: (row: OpenedRow) => JSX.Element }) {
  const { panel } = props;
  const count = `${panel.members.length} result${panel.members.length === 1 ? '' : 's'}`;
  return (
    <details class="timeline-panel">
      <summary>
        <span class="record-when">
          <time>{panel.dateText}</time>
        </span>{' '}
        <strong>{panel.title}</strong> · <span class="panel-count">{count}</span>
        {panel.abnormal > 0 && <AbnormalFlag text={`${panel.abnormal} of ${panel.members.length} outside normal`} />}
        <span class="muted panel-hint"> (show)</span>
      </summary>
      {panel.lead && props.renderRecord(panel.lead)}
      <ol class="timeline-members" aria-label={`${count} of ${panel.title}`}>
        {panel.members.map((m) => (
          <li key={m.item.summary.recordId}>{props.renderRecord(m)}</li>
        ))}
      </ol>
    </details>
  );
}

function entryKey(e: TimelineEntry<OpenedRecord>): string {
  return e.kind === 'panel' ? `panel-${e.id}` : `${e.item.summary.recordId}-${e.item.summary.latestVersion}`;
}

/**
 * A patient's records as a timeline built here after decryption: days newest first by the date inside each record
 * (clinical date; else the upload date, said so), a lab panel collapsed to one row with its count, abnormal values
 * flagged in words. Each day's heading is part of its first row so that every record stays one list item.
 */
export function RecordTimeline(props: {
  summaries: RecordSummary[] | undefined;
  label: string;
  headingLevel: 2 | 3;
  renderRecord: (row: OpenedRow) => JSX.Element;
}) {
  const { items, done, total } = useOpenedRecords(props.summaries);
  const days = useMemo(() => (items ? buildTimeline(items) : []), [items]);
  const Heading = props.headingLevel === 2 ? 'h2' : 'h3';
  if (!items) return total > 0 ? <Spinner label={`Decrypting in this browser… ${done} of ${total}`} /> : null;
  return (
    <ol class="timeline" aria-label={props.label}>
      {days.flatMap((day) =>
        day.entries.map((entry, i) => (
          <li key={entryKey(entry)} class={entry.kind === 'panel' ? 'timeline-entry has-panel' : 'timeline-entry'}>
            {i === 0 && (
              <Heading class="timeline-day">
                <time dateTime={day.key}>{day.label}</time>
              </Heading>
            )}
            {entry.kind === 'panel' ? <Panel panel={entry} renderRecord={props.renderRecord} /> : props.renderRecord(entry)}
          </li>
        )),
      )}
    </ol>
  );
}
