// The record timeline's facts, read from decrypted FHIR in this browser (the server never sees content): the clinical
// date a record is about, whether an Observation is abnormal, and which records form one lab panel.
// Pure: no UI, no network.
import type { RecordSummary } from '../sdk/records';
import { asArray, conceptText, isObj, quantityText, str, type FhirObject } from './format';
import { formatCalendarDate, formatDateTime, localDayKey } from '../ui/dates';

/** When a record's content says it happened, and which element said so. */
export interface ClinicalDate {
  /** As written in the record: "2025-03-02", "2025-03-02T08:15:00Z", "2011-03" … */
  value: string;
  element: string;
}

// The element each resource type dates itself by, in order of preference (FHIR R4).
const DATE_ELEMENTS = [
  'effectiveDateTime', 'effectivePeriod', 'effectiveInstant', 'occurrenceDateTime', 'performedDateTime', 'performedPeriod',
  'authoredOn', 'onsetDateTime', 'onsetPeriod', 'recordedDate', 'period', 'whenHandedOver', 'date', 'issued', 'recorded',
] as const;

const FHIR_DATE = /^\d{4}(-\d{2}(-\d{2}(T.+)?)?)?$/;

export function clinicalDate(resource: unknown): ClinicalDate | null {
  if (!isObj(resource)) return null;
  for (const element of DATE_ELEMENTS) {
    const v = resource[element];
    const value = isObj(v) ? str(v.start) ?? str(v.end) : str(v);
    if (value && FHIR_DATE.test(value) && (value.length < 11 || !Number.isNaN(Date.parse(value)))) {
      return { value, element: isObj(v) ? `${element}.start` : element };
    }
  }
  return null;
}

/** Day key used for grouping and ordering: "2025-03-02" (an instant in the user's own zone), "2011-03", "2011". */
export function clinicalDayKey(date: ClinicalDate): string {
  return date.value.length > 10 ? localDayKey(date.value) : date.value;
}

/** The clinical date as shown: a date-time with its time, a date or partial date as the calendar day. */
export function clinicalDateText(date: ClinicalDate): string {
  return date.value.length > 10 ? formatDateTime(date.value) : formatCalendarDate(date.value);
}

// HL7 v3 ObservationInterpretation codes that mean "outside normal" (R4 value set), with the words shown.
const ABNORMAL_CODES: Record<string, string> = {
  H: 'High', HH: 'Critically high', HU: 'Very high', 'H>': 'Significantly high', L: 'Low', LL: 'Critically low', LU: 'Very low',
  'L<': 'Significantly low', A: 'Abnormal', AA: 'Critically abnormal', POS: 'Positive', DET: 'Detected', R: 'Resistant',
  CAR: 'Carrier', '<': 'Below detection limit', '>': 'Above detection limit', IE: 'Insufficient evidence',
};
const NORMAL_WORDS = /^(n|normal|negative|neg|nd|not detected|within (normal )?range)$/i;
const ABNORMAL_WORDS = /(high|low|abnormal|critical|panic|positive|alert)/i;

function interpretationFlag(v: unknown): string | null {
  for (const concept of asArray(v)) {
    if (!isObj(concept)) continue;
    for (const coding of asArray(concept.coding)) {
      const code = isObj(coding) ? str(coding.code) : undefined;
      if (code && Object.hasOwn(ABNORMAL_CODES, code.toUpperCase())) return ABNORMAL_CODES[code.toUpperCase()]!;
    }
    const text = conceptText(concept);
    if (text && !NORMAL_WORDS.test(text.trim()) && ABNORMAL_WORDS.test(text)) return text;
  }
  return null;
}

function number(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** "Above range (≤ 5.6 %)" when a valueQuantity lies outside a reference range in the same unit, else null. */
function rangeFlag(o: FhirObject): string | null {
  const q = o.valueQuantity;
  if (!isObj(q)) return null;
  const value = number(q.value);
  if (value === null) return null;
  const unitOf = (x: unknown) => (isObj(x) ? str(x.code) ?? str(x.unit) : undefined);
  for (const range of asArray(o.referenceRange)) {
    if (!isObj(range)) continue;
    const low = isObj(range.low) ? number(range.low.value) : null;
    const high = isObj(range.high) ? number(range.high.value) : null;
    // Compare only like with like: a bound in another unit says nothing here.
    const sameUnit = (b: unknown) => !isObj(b) || unitOf(b) === undefined || unitOf(q) === undefined || unitOf(b) === unitOf(q);
    if (high !== null && sameUnit(range.high) && value > high) return `Above range (≤ ${quantityText(range.high)})`;
    if (low !== null && sameUnit(range.low) && value < low) return `Below range (≥ ${quantityText(range.low)})`;
  }
  return null;
}

/**
 * Why an Observation is abnormal in words ("High", "Critically low", "Above range (≤ 5.6 %)"), or null: its own
 * interpretation first, then a component's, then its value against its reference range.
 */
export function abnormalFlag(resource: unknown): string | null {
  if (!isObj(resource) || resource.resourceType !== 'Observation') return null;
  const own = interpretationFlag(resource.interpretation);
  if (own) return own;
  for (const c of asArray(resource.component)) {
    if (!isObj(c)) continue;
    const flag = interpretationFlag(c.interpretation) ?? rangeFlag(c);
    if (flag) return `${conceptText(c.code) ?? 'Component'}: ${flag}`;
  }
  return rangeFlag(resource);
}

/** A one-line title for a FHIR record: what it is about. */
export function resourceTitle(resource: unknown): string | null {
  if (!isObj(resource)) return null;
  return (
    conceptText(resource.code) ?? conceptText(resource.medicationCodeableConcept) ?? conceptText(resource.vaccineCode) ??
    conceptText(asArray(resource.type)[0]) ?? str(resource.description) ?? str(resource.title) ?? null
  );
}

/** One record as the timeline sees it: its summary and, once opened here, its FHIR resource (null when not FHIR). */
export interface TimelineRecord {
  summary: RecordSummary;
  resource: FhirObject | null;
}

export interface TimelineRow<T extends TimelineRecord> {
  item: T;
  /** The date inside the record, or null: then the row is dated by its upload. */
  clinical: ClinicalDate | null;
  dateText: string;
  abnormal: string | null;
}

/** Several records shown as one collapsed row: a DiagnosticReport's results, or one encounter's (or day's) lab values. */
export interface TimelinePanel<T extends TimelineRecord> {
  kind: 'panel';
  title: string;
  /** The DiagnosticReport the members are the results of, when there is one. */
  lead: TimelineRow<T> | null;
  members: TimelineRow<T>[];
  abnormal: number;
  dateText: string;
  id: string;
}

export type TimelineEntry<T extends TimelineRecord> = ({ kind: 'record' } & TimelineRow<T>) | TimelinePanel<T>;

export interface TimelineDay<T extends TimelineRecord> {
  /** "2025-03-02" (or "2011-03"); the upload day for records without a clinical date. */
  key: string;
  label: string;
  entries: TimelineEntry<T>[];
}

/** A lab panel needs at least this many values of one encounter (or one day) to be collapsed. */
export const PANEL_MIN = 3;

function row<T extends TimelineRecord>(item: T): TimelineRow<T> {
  const clinical = clinicalDate(item.resource);
  return {
    item,
    clinical,
    dateText: clinical ? clinicalDateText(clinical) : `uploaded ${formatDateTime(item.summary.createdAtMs)}`,
    abnormal: abnormalFlag(item.resource),
  };
}

function dayKey(r: TimelineRow<TimelineRecord>): string {
  return r.clinical ? clinicalDayKey(r.clinical) : localDayKey(r.item.summary.createdAtMs);
}

// The record id a reference names when it points to another record (import writes urn:uuid:<record id>).
function referencedRecordId(reference: unknown): string | null {
  const r = isObj(reference) ? str(reference.reference) : undefined;
  if (!r) return null;
  const m = /^(?:urn:uuid:|[A-Za-z]+\/)([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i.exec(r);
  return m ? m[1]!.toLowerCase() : null;
}

function isLab(resource: FhirObject | null): boolean {
  return (
    resource?.resourceType === 'Observation' &&
    asArray(resource.category).some((c) => isObj(c) && asArray(c.coding).some((x) => isObj(x) && str(x.code) === 'laboratory'))
  );
}

function dayLabel(key: string): string {
  return formatCalendarDate(key);
}

/**
 * The timeline: days newest first, each with its records newest first; a DiagnosticReport's results listed in this
 * timeline become one panel under the report, and lab values of one encounter (or, without one, of one day) that are
 * not a report's results become one panel when there are at least PANEL_MIN of them.
 */
export function buildTimeline<T extends TimelineRecord>(items: T[]): TimelineDay<T>[] {
  const rows = items.map(row);
  const byId = new Map(rows.map((r) => [r.item.summary.recordId.toLowerCase(), r]));
  const grouped = new Set<string>();
  const panels: TimelinePanel<T>[] = [];

  for (const r of rows) {
    const res = r.item.resource;
    if (res?.resourceType !== 'DiagnosticReport') continue;
    const members = asArray(res.result)
      .map(referencedRecordId)
      .map((id) => (id ? byId.get(id) : undefined))
      .filter((m): m is TimelineRow<T> => !!m && !grouped.has(m.item.summary.recordId) && m !== r);
    if (members.length === 0) continue;
    for (const m of members) grouped.add(m.item.summary.recordId);
    grouped.add(r.item.summary.recordId);
    panels.push(panel(resourceTitle(res) ?? 'Diagnostic report', r, members));
  }

  const labs = new Map<string, TimelineRow<T>[]>();
  for (const r of rows) {
    if (grouped.has(r.item.summary.recordId) || !isLab(r.item.resource)) continue;
    const encounter = referencedRecordId(r.item.resource!.encounter);
    const key = encounter ? `encounter ${encounter}` : `day ${dayKey(r as TimelineRow<TimelineRecord>)}`;
    labs.set(key, [...(labs.get(key) ?? []), r]);
  }
  for (const [key, members] of labs) {
    if (members.length < PANEL_MIN) continue;
    for (const m of members) grouped.add(m.item.summary.recordId);
    panels.push(panel(key.startsWith('encounter') ? 'Lab results of one encounter' : 'Lab results', null, members));
  }

  const entries: { key: string; sort: string; entry: TimelineEntry<T> }[] = [
    ...rows.filter((r) => !grouped.has(r.item.summary.recordId)).map((r) => ({ key: dayKey(r as TimelineRow<TimelineRecord>), sort: sortKey(r), entry: { kind: 'record' as const, ...r } })),
    ...panels.map((p) => {
      const first = p.lead ?? p.members[0]!;
      return { key: dayKey(first as TimelineRow<TimelineRecord>), sort: sortKey(first), entry: p };
    }),
  ];
  entries.sort((a, b) => (a.sort < b.sort ? 1 : a.sort > b.sort ? -1 : 0));
  const days: TimelineDay<T>[] = [];
  for (const e of entries) {
    let day = days.find((d) => d.key === e.key);
    if (!day) {
      day = { key: e.key, label: dayLabel(e.key), entries: [] };
      days.push(day);
    }
    day.entries.push(e.entry);
  }
  days.sort((a, b) => (a.key < b.key ? 1 : a.key > b.key ? -1 : 0));
  return days;
}

// Within and across days: the clinical instant (or the upload instant), newest first.
function sortKey(r: TimelineRow<TimelineRecord>): string {
  const ms = r.clinical ? Date.parse(r.clinical.value.length === 4 ? `${r.clinical.value}-01-01` : r.clinical.value.length === 7 ? `${r.clinical.value}-01` : r.clinical.value) : r.item.summary.createdAtMs;
  return `${dayKey(r)}|${String(Number.isNaN(ms) ? 0 : ms).padStart(16, '0')}|${r.item.summary.recordId}`;
}

function panel<T extends TimelineRecord>(title: string, lead: TimelineRow<T> | null, members: TimelineRow<T>[]): TimelinePanel<T> {
  const sorted = [...members].sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : 1));
  const first = lead ?? sorted[0]!;
  return {
    kind: 'panel',
    title,
    lead,
    members: sorted,
    abnormal: members.filter((m) => m.abnormal).length,
    dateText: first.dateText,
    id: (lead ?? sorted[0]!).item.summary.recordId,
  };
}
