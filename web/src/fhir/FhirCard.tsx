import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { DecryptedRecord } from '../sdk/records';
import { FHIR_CONTENT_TYPE } from '../sdk/records';
import {
  asArray, choiceText, conceptText, conceptsText, dosageText, fhirDateText, humanName, humanizeKey, isObj, notesText, quantityText,
  rangeText, referenceText, referencesText, str, summarize, type FhirObject,
} from './format';
import { EmergencySummaryCard, parseEmergencySummary } from './emergencySummary';
import './fhir.css';

type Fact = [label: string, value: ComponentChildren | undefined];

/** A definition list of the facts that are present (missing ones are left out, not shown as blanks). */
function Facts(props: { facts: Fact[] }) {
  const present = props.facts.filter(([, v]) => v !== undefined && v !== null && v !== '');
  if (!present.length) return null;
  return (
    <dl class="facts">
      {present.map(([label, value]) => (
        <>
          <dt key={`${label}-t`}>{label}</dt>
          <dd key={`${label}-d`}>{value}</dd>
        </>
      ))}
    </dl>
  );
}

function StatusBadge(props: { status: string | undefined }) {
  if (!props.status) return null;
  const good = ['final', 'active', 'completed', 'confirmed', 'resolved', 'amended', 'corrected'].includes(props.status);
  const bad = ['entered-in-error', 'cancelled', 'refuted', 'stopped', 'revoked'].includes(props.status);
  return <span class={`badge ${good ? 'ok' : bad ? 'bad' : 'neutral'}`}>{props.status}</span>;
}

function CardShell(props: { kind: string; title: string | undefined; status?: string; children: ComponentChildren }) {
  return (
    <div class="fhir-card">
      <p class="fhir-kind">
        <span class="badge neutral">{props.kind}</span> <StatusBadge status={props.status} />
      </p>
      <h3 class="fhir-title">{props.title ?? props.kind}</h3>
      {props.children}
    </div>
  );
}

/** Observation value: a quantity, a coded value, text… or the components (e.g. systolic / diastolic blood pressure). */
function observationValue(o: FhirObject): string | undefined {
  return choiceText(o, 'value') ?? (o.dataAbsentReason ? `not available (${conceptText(o.dataAbsentReason) ?? 'no reason given'})` : undefined);
}

function ObservationCard({ r }: { r: FhirObject }) {
  const components = asArray(r.component).filter(isObj);
  const value = observationValue(r);
  return (
    <CardShell kind="Observation" title={conceptText(r.code)} status={str(r.status)}>
      {value && <p class="fhir-value">{value}</p>}
      {components.length > 0 && (
        <ul class="fhir-components">
          {components.map((c, i) => (
            <li key={i}>
              <span class="muted">{conceptText(c.code) ?? 'Component'}:</span> <strong>{observationValue(c) ?? '—'}</strong>
              {c.interpretation !== undefined && <span class="muted"> ({conceptsText(c.interpretation)})</span>}
            </li>
          ))}
        </ul>
      )}
      <Facts
        facts={[
          ['Interpretation', conceptsText(r.interpretation)],
          ['Reference range', asArray(r.referenceRange).map((x) => (isObj(x) ? rangeText(x) ?? str(x.text) : undefined)).filter(Boolean).join('; ') || undefined],
          ['When', choiceText(r, 'effective') ?? fhirDateText(r.issued)],
          ['Category', conceptsText(r.category)],
          ['Performer', referencesText(r.performer)],
          ['Method', conceptText(r.method)],
          ['Body site', conceptText(r.bodySite)],
          ['Note', notesText(r.note)],
        ]}
      />
    </CardShell>
  );
}

function ConditionCard({ r }: { r: FhirObject }) {
  return (
    <CardShell kind="Condition" title={conceptText(r.code)} status={conceptText(r.clinicalStatus)}>
      <Facts
        facts={[
          ['Clinical status', conceptText(r.clinicalStatus)],
          ['Verification', conceptText(r.verificationStatus)],
          ['Severity', conceptText(r.severity)],
          ['Onset', choiceText(r, 'onset')],
          ['Resolved', choiceText(r, 'abatement')],
          ['Body site', conceptsText(r.bodySite)],
          ['Category', conceptsText(r.category)],
          ['Recorded', fhirDateText(r.recordedDate)],
          ['Asserted by', referenceText(r.asserter)],
          ['Note', notesText(r.note)],
        ]}
      />
    </CardShell>
  );
}

/** medicationReference to a contained Medication ("#med0301") is resolved to its code. */
function medicationText(r: FhirObject): string | undefined {
  const direct = conceptText(r.medicationCodeableConcept);
  if (direct) return direct;
  const ref = r.medicationReference;
  if (!isObj(ref)) return undefined;
  const target = str(ref.reference);
  if (target?.startsWith('#')) {
    const contained = asArray(r.contained).find((c) => isObj(c) && c.id === target.slice(1));
    if (isObj(contained)) return conceptText(contained.code) ?? referenceText(ref);
  }
  return referenceText(ref);
}

function MedicationRequestCard({ r }: { r: FhirObject }) {
  const dosages = asArray(r.dosageInstruction).map(dosageText).filter((x): x is string => !!x);
  const dispense = isObj(r.dispenseRequest) ? r.dispenseRequest : undefined;
  return (
    <CardShell kind="Medication request" title={medicationText(r)} status={str(r.status)}>
      {dosages.length > 0 && (
        <ul class="fhir-components" aria-label="Dosage">
          {dosages.map((d, i) => (
            <li key={i}>{d}</li>
          ))}
        </ul>
      )}
      <Facts
        facts={[
          ['Intent', str(r.intent)],
          ['Prescribed by', referenceText(r.requester)],
          ['Written', fhirDateText(r.authoredOn)],
          ['Reason', conceptsText(r.reasonCode) ?? referencesText(r.reasonReference)],
          ['Quantity', dispense ? quantityText(dispense.quantity) : undefined],
          ['Refills', dispense ? str(dispense.numberOfRepeatsAllowed) : undefined],
          ['Valid', dispense && isObj(dispense.validityPeriod) ? choiceText({ validityPeriod: dispense.validityPeriod }, 'validity') : undefined],
          ['Substitution', isObj(r.substitution) ? choiceText(r.substitution, 'allowed') : undefined],
          ['Note', notesText(r.note)],
        ]}
      />
    </CardShell>
  );
}

function DiagnosticReportCard({ r }: { r: FhirObject }) {
  const results = asArray(r.result).map(referenceText).filter((x): x is string => !!x);
  return (
    <CardShell kind="Diagnostic report" title={conceptText(r.code)} status={str(r.status)}>
      {str(r.conclusion) && <p class="fhir-value">{str(r.conclusion)}</p>}
      <Facts
        facts={[
          ['Issued', fhirDateText(r.issued)],
          ['Effective', choiceText(r, 'effective')],
          ['Category', conceptsText(r.category)],
          ['Performer', referencesText(r.performer)],
          ['Coded conclusion', conceptsText(r.conclusionCode)],
          ['Results', results.length ? `${results.length} result${results.length === 1 ? '' : 's'}: ${results.slice(0, 12).join(', ')}${results.length > 12 ? '…' : ''}` : undefined],
        ]}
      />
    </CardShell>
  );
}

function AllergyIntoleranceCard({ r }: { r: FhirObject }) {
  const reactions = asArray(r.reaction).filter(isObj);
  return (
    <CardShell kind="Allergy or intolerance" title={conceptText(r.code)} status={conceptText(r.clinicalStatus)}>
      {reactions.length > 0 && (
        <ul class="fhir-components" aria-label="Reactions">
          {reactions.map((x, i) => (
            <li key={i}>
              <strong>{conceptsText(x.manifestation) ?? 'Reaction'}</strong>
              {str(x.severity) && <span class="muted"> ({str(x.severity)})</span>}
              {str(x.description) && <> — {str(x.description)}</>}
            </li>
          ))}
        </ul>
      )}
      <Facts
        facts={[
          ['Criticality', str(r.criticality)],
          ['Type', str(r.type)],
          ['Category', asArray(r.category).map(str).filter(Boolean).join(', ') || undefined],
          ['Verification', conceptText(r.verificationStatus)],
          ['Onset', choiceText(r, 'onset')],
          ['Last occurrence', fhirDateText(r.lastOccurrence)],
          ['Note', notesText(r.note)],
        ]}
      />
    </CardShell>
  );
}

function ImmunizationCard({ r }: { r: FhirObject }) {
  return (
    <CardShell kind="Immunization" title={conceptText(r.vaccineCode)} status={str(r.status)}>
      <Facts
        facts={[
          ['Given', choiceText(r, 'occurrence')],
          ['Dose', quantityText(r.doseQuantity)],
          ['Site', conceptText(r.site)],
          ['Route', conceptText(r.route)],
          ['Lot', str(r.lotNumber)],
          ['Expires', fhirDateText(r.expirationDate)],
          ['Manufacturer', referenceText(r.manufacturer)],
          ['Performer', asArray(r.performer).map((p) => (isObj(p) ? referenceText(p.actor) : undefined)).filter(Boolean).join(', ') || undefined],
          ['Note', notesText(r.note)],
        ]}
      />
    </CardShell>
  );
}

function ProcedureCard({ r }: { r: FhirObject }) {
  return (
    <CardShell kind="Procedure" title={conceptText(r.code)} status={str(r.status)}>
      <Facts
        facts={[
          ['Performed', choiceText(r, 'performed')],
          ['Performer', asArray(r.performer).map((p) => (isObj(p) ? referenceText(p.actor) : undefined)).filter(Boolean).join(', ') || undefined],
          ['Reason', conceptsText(r.reasonCode) ?? referencesText(r.reasonReference)],
          ['Body site', conceptsText(r.bodySite)],
          ['Outcome', conceptText(r.outcome)],
          ['Follow-up', conceptsText(r.followUp)],
          ['Note', notesText(r.note)],
        ]}
      />
    </CardShell>
  );
}

function BundleCard({ r }: { r: FhirObject }) {
  const entries = asArray(r.entry).filter(isObj).map((e) => e.resource).filter(isObj);
  const shown = entries.slice(0, 50);
  return (
    <CardShell kind="Bundle" title={`${entries.length} resource${entries.length === 1 ? '' : 's'} (${str(r.type) ?? 'bundle'})`}>
      <div class="fhir-bundle">
        {shown.map((e, i) => (
          <FhirCard key={i} resource={e} />
        ))}
      </div>
      {entries.length > shown.length && <p class="muted">{entries.length - shown.length} more not shown.</p>}
    </CardShell>
  );
}

const SKIPPED_KEYS = new Set(['resourceType', 'id', 'meta', 'text', 'contained', 'extension', 'modifierExtension', 'implicitRules', 'language']);

/** Any other resource: its elements as a readable key/value list (nested values summarised, not raw JSON). */
function GenericValue(props: { value: unknown; depth: number }): JSX.Element {
  const v = props.value;
  if (Array.isArray(v)) {
    const items = v.slice(0, 20);
    return (
      <ul class="fhir-list">
        {items.map((x, i) => (
          <li key={i}>
            <GenericValue value={x} depth={props.depth + 1} />
          </li>
        ))}
        {v.length > items.length && <li class="muted">{v.length - items.length} more</li>}
      </ul>
    );
  }
  if (isObj(v)) {
    const s = summarize(v);
    if (s || props.depth >= 3) return <>{s ?? '…'}</>;
    return <GenericFacts resource={v} depth={props.depth + 1} />;
  }
  return <>{typeof v === 'boolean' ? (v ? 'yes' : 'no') : /^\d{4}-\d{2}-\d{2}/.test(String(v)) ? fhirDateText(v) : String(v)}</>;
}

function GenericFacts(props: { resource: FhirObject; depth: number }) {
  const entries = Object.entries(props.resource).filter(([k]) => !SKIPPED_KEYS.has(k) && !k.startsWith('_'));
  return <Facts facts={entries.map(([k, v]) => [humanizeKey(k), <GenericValue value={v} depth={props.depth} />] as Fact)} />;
}

function GenericCard({ r }: { r: FhirObject }) {
  const type = str(r.resourceType) ?? 'Resource';
  const title = conceptText(r.code) ?? conceptText(r.type) ?? humanName(r.name) ?? str(r.description) ?? str(r.title) ?? type;
  return (
    <CardShell kind={humanizeKey(type)} title={title} status={str(r.status)}>
      <GenericFacts resource={r} depth={0} />
    </CardShell>
  );
}

const CARDS: Record<string, (p: { r: FhirObject }) => JSX.Element> = {
  Observation: ObservationCard,
  Condition: ConditionCard,
  MedicationRequest: MedicationRequestCard,
  DiagnosticReport: DiagnosticReportCard,
  AllergyIntolerance: AllergyIntoleranceCard,
  Immunization: ImmunizationCard,
  Procedure: ProcedureCard,
  Bundle: BundleCard,
};

/** A readable card for one FHIR R4 resource, chosen by resourceType. */
export function FhirCard(props: { resource: unknown }): JSX.Element {
  const r = props.resource;
  if (!isObj(r)) return <p class="muted">Not a FHIR resource.</p>;
  const Card = CARDS[str(r.resourceType) ?? ''] ?? GenericCard;
  return <Card r={r} />;
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

const EXTENSIONS: Record<string, string> = {
  'application/pdf': 'pdf', 'image/png': 'png', 'image/jpeg': 'jpg', 'image/gif': 'gif', 'image/webp': 'webp', 'text/plain': 'txt',
  'application/json': 'json', 'application/fhir+json': 'json', 'application/dicom': 'dcm', 'text/csv': 'csv', 'application/zip': 'zip',
};

/**
 * The download name is made up here: the original file name is not stored, because record headers are
 * visible to the server and file names often say what a document is about.
 */
export function downloadName(record: DecryptedRecord): string {
  const ext = EXTENSIONS[record.contentType.split(';')[0]!.trim().toLowerCase()] ?? 'bin';
  return `medledger-${record.category.toLowerCase()}-${record.recordId.slice(0, 8)}-v${record.version}.${ext}`;
}

/**
 * The type the Blob URL is made with: the author chose the record's content type, and a blob: URL opened in a tab
 * runs in this app's origin, so only the harmless types above pass; anything else (text/html, image/svg+xml, …)
 * becomes application/octet-stream and can only be downloaded.
 */
export function blobType(contentType: string): string {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  return Object.hasOwn(EXTENSIONS, type) ? type : 'application/octet-stream';
}

/** Download (and image preview) through a Blob URL made from the bytes decrypted in this tab; revoked when unmounted. */
function FileView(props: { record: DecryptedRecord }) {
  const { record } = props;
  const type = record.contentType.split(';')[0]!.trim().toLowerCase();
  const isImage = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'].includes(type);
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    const u = URL.createObjectURL(new Blob([record.content as Uint8Array<ArrayBuffer>], { type: blobType(record.contentType) }));
    setUrl(u);
    return () => URL.revokeObjectURL(u);
  }, [record]);
  const text = useMemo(() => (type === 'text/plain' && record.content.length <= 64 * 1024 ? new TextDecoder().decode(record.content) : null), [record, type]);
  return (
    <div class="fhir-card">
      <p class="fhir-kind">
        <span class="badge neutral">{record.category === 'File' ? 'File' : record.category}</span>
      </p>
      <Facts facts={[['Type', record.contentType], ['Size', formatBytes(record.content.length)]]} />
      {isImage && url && <img class="record-preview" src={url} alt={`Image record ${record.recordId.slice(0, 8)}`} />}
      {text !== null && <pre class="record-text">{text}</pre>}
      {url && (
        <p>
          <a class="btn secondary" href={url} download={downloadName(record)}>
            Download
          </a>
        </p>
      )}
    </div>
  );
}

/** A decrypted record's JSON (FHIR or JSON content type), or null. */
export function parseRecordJson(record: DecryptedRecord): unknown {
  const type = record.contentType.split(';')[0]!.trim().toLowerCase();
  if (type !== FHIR_CONTENT_TYPE && type !== 'application/json') return null;
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(record.content)) as unknown;
  } catch {
    return null;
  }
}

/** A decrypted record: FHIR as a card, an emergency summary as its card, anything else as a file to download. */
export function RecordView(props: { record: DecryptedRecord }): JSX.Element {
  const { record } = props;
  const parsed = useMemo(() => parseRecordJson(record), [record]);
  if (record.category === 'EmergencySummary') {
    const summary = parseEmergencySummary(parsed);
    if (summary) return <EmergencySummaryCard summary={summary} />;
  } else if (parsed !== null && isObj(parsed) && typeof parsed.resourceType === 'string') {
    return <FhirCard resource={parsed} />;
  }
  return <FileView record={record} />;
}
