// FHIR bundle import in the browser: the same rules as the C# SDK's FhirBundleImport (src/MedLedger.Client/FhirBundleImport.cs),
// check for check, so both clients turn the same bundle into the same records (docs/import.md). Everything is checked
// before the first upload; a refused bundle changes nothing, neither the server nor this browser's import state.

import { toHex, sha256 } from '../crypto/bytes';
import { ApiProblem } from '../app/http';
import { requireSession } from '../app/session';
import { checkFhirResource, checkFhirObject, FhirValidationError } from '../fhir/validate';
import { FHIR_CONTENT_TYPE, openRecord, writeRecord } from './records';

export const MAX_BUNDLE_BYTES = 50 * 1024 * 1024;

/** Uploads in flight at once, as the C# SDK (MedLedgerClient.ImportParallelism). */
export const IMPORT_PARALLELISM = 4;

/** The bundle was refused before anything was uploaded (malformed, not a bundle, dangling reference, too large). */
export class FhirBundleImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FhirBundleImportError';
  }
}

/** The resource types that become records; each is its own record category. */
export const RECORD_TYPES: readonly string[] = [
  'Encounter', 'Condition', 'Observation', 'Procedure', 'MedicationRequest', 'Immunization', 'AllergyIntolerance',
  'DiagnosticReport', 'CarePlan', 'DocumentReference', 'Claim', 'Coverage', 'Appointment', 'Consent',
];

const NOT_RECORDS: Record<string, string> = {
  Patient: 'the patient is the account holder: names and birth date belong in the sealed profile (My profile); references to it point to the account',
  Practitioner: 'a directory entry, not a clinical record; references to it are kept as written',
  PractitionerRole: 'a directory entry, not a clinical record; references to it are kept as written',
  Organization: 'a directory entry, not a clinical record; references to it are kept as written',
  Location: 'a directory entry, not a clinical record; references to it are kept as written',
  Provenance: "describes the export, not the patient's care",
  Bundle: 'nested bundles are not imported; import them as files of their own',
};

// The FHIR R4 (4.0.1) resource types (Firely's ModelInfo.IsKnownResource on the C# side).
const R4_RESOURCE_TYPES = new Set(`Account ActivityDefinition AdverseEvent AllergyIntolerance Appointment AppointmentResponse AuditEvent Basic Binary
BiologicallyDerivedProduct BodyStructure Bundle CapabilityStatement CarePlan CareTeam CatalogEntry ChargeItem ChargeItemDefinition Claim ClaimResponse
ClinicalImpression CodeSystem Communication CommunicationRequest CompartmentDefinition Composition ConceptMap Condition Consent Contract Coverage
CoverageEligibilityRequest CoverageEligibilityResponse DetectedIssue Device DeviceDefinition DeviceMetric DeviceRequest DeviceUseStatement DiagnosticReport
DocumentManifest DocumentReference EffectEvidenceSynthesis Encounter Endpoint EnrollmentRequest EnrollmentResponse EpisodeOfCare EventDefinition Evidence
EvidenceVariable ExampleScenario ExplanationOfBenefit FamilyMemberHistory Flag Goal GraphDefinition Group GuidanceResponse HealthcareService ImagingStudy
Immunization ImmunizationEvaluation ImmunizationRecommendation ImplementationGuide InsurancePlan Invoice Library Linkage List Location Measure MeasureReport
Media Medication MedicationAdministration MedicationDispense MedicationKnowledge MedicationRequest MedicationStatement MedicinalProduct
MedicinalProductAuthorization MedicinalProductContraindication MedicinalProductIndication MedicinalProductIngredient MedicinalProductInteraction
MedicinalProductManufactured MedicinalProductPackaged MedicinalProductPharmaceutical MedicinalProductUndesirableEffect MessageDefinition MessageHeader
MolecularSequence NamingSystem NutritionOrder Observation ObservationDefinition OperationDefinition OperationOutcome Organization OrganizationAffiliation
Parameters Patient PaymentNotice PaymentReconciliation Person PlanDefinition Practitioner PractitionerRole Procedure Provenance Questionnaire
QuestionnaireResponse RelatedPerson RequestGroup ResearchDefinition ResearchElementDefinition ResearchStudy ResearchSubject RiskAssessment
RiskEvidenceSynthesis Schedule SearchParameter ServiceRequest Slot Specimen SpecimenDefinition StructureDefinition StructureMap Subscription Substance
SubstanceNucleicAcid SubstancePolymer SubstanceProtein SubstanceReferenceInformation SubstanceSourceMaterial SubstanceSpecification SupplyDelivery
SupplyRequest Task TerminologyCapabilities TestReport TestScript ValueSet VerificationResult VisionPrescription`.split(/\s+/));

// ---- JSON that keeps what System.Text.Json's JsonNode keeps: member order and each number's text as written ----

/** A JSON number as written in the file (JsonNode writes it back unchanged; JSON.parse would not). */
export class JsonNumber {
  constructor(readonly text: string) {}
}
export type JsonNode = null | boolean | string | JsonNumber | JsonNode[] | JsonObjectNode;
/** A JSON object; a Map keeps member order and has no prototype keys. */
export type JsonObjectNode = Map<string, JsonNode>;

const MAX_DEPTH = 128; // JsonDocumentOptions.MaxDepth in the C# import

class JsonSyntaxError extends Error {
  constructor(message: string, readonly offset: number) {
    super(message);
  }
}

/** Strict RFC 8259 JSON (no comments, no trailing commas), as System.Text.Json's reader; duplicate members are refused. */
export function parseJson(text: string): JsonNode {
  let i = 0;
  const ws = () => {
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++;
      else break;
    }
  };
  const fail = (message: string): never => {
    throw new JsonSyntaxError(message, i);
  };
  const str = (): string => {
    i++; // opening quote
    let out = '';
    let start = i;
    for (;;) {
      if (i >= text.length) fail('the string is not closed');
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        out += text.slice(start, i);
        i++;
        return out;
      }
      if (c < 0x20) fail('a control character is not allowed inside a string');
      if (c === 0x5c) {
        out += text.slice(start, i);
        const e = text[i + 1];
        const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (e !== undefined && e in simple) {
          out += simple[e];
          i += 2;
        } else if (e === 'u' && /^[0-9A-Fa-f]{4}$/.test(text.slice(i + 2, i + 6))) {
          out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
          i += 6;
        } else {
          fail('an invalid escape sequence');
        }
        start = i;
        continue;
      }
      i++;
    }
  };
  const num = (): JsonNumber => {
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i, i + 400));
    if (!m || m[0] === '' || m[0] === '-') fail('an invalid number');
    i += m![0].length;
    return new JsonNumber(m![0]);
  };
  const value = (depth: number): JsonNode => {
    ws();
    if (i >= text.length) fail('the JSON ends too early');
    const c = text[i]!;
    if (c === '{') {
      if (depth >= MAX_DEPTH) fail(`nesting deeper than ${MAX_DEPTH}`);
      i++;
      const o: JsonObjectNode = new Map();
      ws();
      if (text[i] === '}') {
        i++;
        return o;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('a property name in double quotes was expected');
        const key = str();
        if (o.has(key)) fail(`the property "${key}" appears twice in one object`);
        ws();
        if (text[i] !== ':') fail("':' was expected after a property name");
        i++;
        o.set(key, value(depth + 1));
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return o;
        }
        fail("',' or '}' was expected");
      }
    }
    if (c === '[') {
      if (depth >= MAX_DEPTH) fail(`nesting deeper than ${MAX_DEPTH}`);
      i++;
      const a: JsonNode[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return a;
      }
      for (;;) {
        a.push(value(depth + 1));
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return a;
        }
        fail("',' or ']' was expected");
      }
    }
    if (c === '"') return str();
    if (c === '-' || (c >= '0' && c <= '9')) return num();
    for (const [word, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    }
    return fail(`unexpected character '${c}'`);
  };
  const root = value(0);
  ws();
  if (i < text.length) fail('more text after the JSON value');
  return root;
}

// System.Text.Json's default escaping (no encoder given): ASCII printable characters stay, except the HTML-sensitive ones;
// everything else is \uXXXX (upper-case hex, one per UTF-16 unit) or a short escape.
const SHORT_ESCAPES: Record<number, string> = { 0x0a: '\\n', 0x0d: '\\r', 0x09: '\\t', 0x5c: '\\\\', 0x08: '\\b', 0x0c: '\\f' };
const HTML_SENSITIVE = new Set(['"', '&', "'", '+', '<', '>', '`'].map((c) => c.charCodeAt(0)));

function escapeString(s: string): string {
  let out = '"';
  let start = 0;
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c >= 0x20 && c <= 0x7e && c !== 0x5c && !HTML_SENSITIVE.has(c)) continue;
    out += s.slice(start, k);
    out += SHORT_ESCAPES[c] ?? `\\u${c.toString(16).toUpperCase().padStart(4, '0')}`;
    start = k + 1;
  }
  return out + s.slice(start) + '"';
}

/** Compact JSON exactly as System.Text.Json's JsonNode.ToJsonString() writes it (so content hashes agree with the C# import). */
export function compactJson(node: JsonNode): string {
  if (node === null) return 'null';
  if (node === true) return 'true';
  if (node === false) return 'false';
  if (typeof node === 'string') return escapeString(node);
  if (node instanceof JsonNumber) return node.text;
  if (Array.isArray(node)) return `[${node.map(compactJson).join(',')}]`;
  const parts: string[] = [];
  for (const [k, v] of node) parts.push(`${escapeString(k)}:${compactJson(v)}`);
  return `{${parts.join(',')}}`;
}

function isObj(n: JsonNode | undefined): n is JsonObjectNode {
  return n instanceof Map;
}

function str(o: JsonObjectNode, name: string): string | null {
  const v = o.get(name);
  return typeof v === 'string' ? v : null;
}

function cloneNode(n: JsonNode): JsonNode {
  if (Array.isArray(n)) return n.map(cloneNode);
  if (isObj(n)) return new Map([...n].map(([k, v]) => [k, cloneNode(v)] as [string, JsonNode]));
  return n;
}

// Reference.reference is the only FHIR R4 element named "reference"; every occurrence is visited.
function rewrite(node: JsonNode, map: (reference: string) => string): void {
  if (Array.isArray(node)) {
    for (const child of node) rewrite(child, map);
  } else if (isObj(node)) {
    for (const [name, child] of [...node]) {
      if (name === 'reference' && typeof child === 'string') {
        const mapped = map(child);
        if (mapped !== child) node.set(name, mapped);
      } else {
        rewrite(child, map);
      }
    }
  }
}

function referencesIn(node: JsonNode): string[] {
  const found: string[] = [];
  rewrite(node, (r) => {
    found.push(r);
    return r;
  });
  return found;
}

/** Conditional references (Practitioner?identifier=…) and absolute URLs name things outside the bundle: kept as written. */
function isExternal(reference: string): boolean {
  return reference.includes('?') || reference.startsWith('http://') || reference.startsWith('https://');
}

function encounterReference(resource: JsonObjectNode): string | null {
  const e = resource.get('encounter');
  const direct = isObj(e) ? str(e, 'reference') : null;
  if (direct !== null) return direct;
  const context = resource.get('context');
  if (isObj(context)) {
    const encounters = context.get('encounter');
    if (Array.isArray(encounters) && isObj(encounters[0])) {
      const r = str(encounters[0], 'reference');
      if (r !== null) return r;
    }
  }
  const items = resource.get('item');
  if (Array.isArray(items)) {
    for (const item of items) {
      if (!isObj(item)) continue;
      const encs = item.get('encounter');
      if (!Array.isArray(encs)) continue;
      for (const r of encs) {
        if (isObj(r) && str(r, 'reference') !== null) return str(r, 'reference');
      }
    }
  }
  return null;
}

/** A clinical resource of a bundle that becomes one record (category = its resource type). */
export interface FhirBundleResource {
  index: number;
  fullUrl: string;
  resourceType: string;
  resource: JsonObjectNode;
  /** SHA-256 (hex) of the resource as written in the bundle (compact JSON): the idempotency key, as in C#. */
  contentHash: string;
  /** The in-bundle Encounter this resource belongs to, if any. */
  encounterFullUrl: string | null;
}

export interface SkippedFhirResource {
  index: number;
  resourceType: string;
  reason: string;
}

/** A checked bundle: its records (Encounters first) and the entries set aside, with why. */
export class FhirBundle {
  private constructor(
    readonly source: string,
    readonly bundleType: string,
    readonly records: FhirBundleResource[],
    readonly skipped: SkippedFhirResource[],
    readonly patientFullUrls: Set<string>,
    private readonly byFullUrl: Map<string, { index: number; type: string }>,
    private readonly byTypeAndId: Map<string, string>,
  ) {}

  /** Reads a picked file; one over 50 MiB is refused by its size, before it is read. */
  static async readFile(file: File): Promise<FhirBundle> {
    checkSize(file.size, file.name);
    const bytes = new Uint8Array(await file.arrayBuffer());
    return FhirBundle.parse(bytes, file.name);
  }

  static async parse(utf8: Uint8Array, source: string): Promise<FhirBundle> {
    checkSize(utf8.length, source);
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(utf8);
    } catch {
      throw new FhirBundleImportError(`${source} is not valid JSON: it is not UTF-8 text.`);
    }
    let root: JsonNode;
    try {
      root = parseJson(text);
    } catch (e) {
      if (!(e instanceof JsonSyntaxError)) throw e;
      const before = text.slice(0, e.offset);
      const line = before.split('\n').length;
      const column = e.offset - (before.lastIndexOf('\n') + 1) + 1;
      throw new FhirBundleImportError(`${source} is not valid JSON (line ${line}, character ${column}): ${e.message}.`);
    }
    if (!isObj(root)) throw new FhirBundleImportError(`${source} is not a FHIR resource: its JSON is not an object.`);
    const rootType = str(root, 'resourceType');
    if (rootType !== 'Bundle') {
      throw new FhirBundleImportError(rootType === null
        ? `${source} has no resourceType: not a FHIR resource.`
        : `${source} is a FHIR ${rootType}, not a Bundle; import single resources with "Add a record".`);
    }
    const type = str(root, 'type');
    if (type !== 'transaction' && type !== 'collection') {
      throw new FhirBundleImportError(`${source} is a '${type ?? '(no type)'}' bundle; only transaction and collection bundles (as EHRs export them) are imported.`);
    }
    const entryNode = root.get('entry');
    if (entryNode !== undefined && entryNode !== null && !Array.isArray(entryNode)) throw new FhirBundleImportError(`${source}: Bundle.entry is not an array.`);
    const entries = Array.isArray(entryNode) ? entryNode : [];
    // The envelope is checked without its entries; each entry on its own below, so an unknown type can be set aside.
    const envelope = new Map(root);
    envelope.delete('entry');
    checkStructure(envelope, `${source}: the Bundle`);

    const parsed: { index: number; fullUrl: string; type: string; resource: JsonObjectNode }[] = [];
    const skipped: SkippedFhirResource[] = [];
    entries.forEach((entry, i) => {
      const resource = isObj(entry) ? entry.get('resource') : undefined;
      if (!isObj(entry) || !isObj(resource)) throw new FhirBundleImportError(`${source}: entry ${i} has no resource.`);
      const resourceType = str(resource, 'resourceType');
      if (resourceType === null) throw new FhirBundleImportError(`${source}: entry ${i} has a resource without resourceType.`);
      if (!R4_RESOURCE_TYPES.has(resourceType)) {
        skipped.push({ index: i, resourceType, reason: 'not a FHIR R4 resource type' });
        return;
      }
      checkStructure(resource, `${source}: entry ${i} (${resourceType})`);
      const id = str(resource, 'id');
      const fullUrl = str(entry, 'fullUrl') ?? (id === null ? `#entry-${i}` : `${resourceType}/${id}`);
      parsed.push({ index: i, fullUrl, type: resourceType, resource });
    });

    const byFullUrl = new Map<string, { index: number; type: string }>();
    const byTypeAndId = new Map<string, string>();
    for (const p of parsed) {
      const seen = byFullUrl.get(p.fullUrl);
      if (seen) throw new FhirBundleImportError(`${source}: entries ${seen.index} and ${p.index} share the fullUrl ${p.fullUrl}.`);
      byFullUrl.set(p.fullUrl, { index: p.index, type: p.type });
      const id = str(p.resource, 'id');
      if (id !== null && !byTypeAndId.has(`${p.type}/${id}`)) byTypeAndId.set(`${p.type}/${id}`, p.fullUrl);
    }
    // Unknown types were set aside, but a reference to one still resolves (it is kept as written).
    const unknownIds = new Set(entries.filter(isObj).map((e) => str(e, 'fullUrl')).filter((u): u is string => u !== null));

    const dangling: string[] = [];
    const records: FhirBundleResource[] = [];
    for (const p of parsed) {
      for (const reference of referencesIn(p.resource)) {
        if (resolve(reference, p.resource, byFullUrl, byTypeAndId) === null && !isExternal(reference) && !unknownIds.has(reference)) {
          dangling.push(`entry ${p.index} (${p.type}) → ${reference}`);
        }
      }
      if (!RECORD_TYPES.includes(p.type)) {
        skipped.push({ index: p.index, resourceType: p.type, reason: NOT_RECORDS[p.type] ?? `no MedLedger record category for ${p.type}; references to it are kept as written` });
        continue;
      }
      const encRef = encounterReference(p.resource);
      const encUrl = encRef === null ? null : resolve(encRef, p.resource, byFullUrl, byTypeAndId);
      const encounter = encUrl !== null && byFullUrl.get(encUrl)?.type === 'Encounter' ? encUrl : null;
      const compact = compactJson(p.resource);
      const hash = toHex(await sha256(new TextEncoder().encode(compact)));
      records.push({ index: p.index, fullUrl: p.fullUrl, resourceType: p.type, resource: p.resource, contentHash: hash, encounterFullUrl: encounter });
    }
    if (dangling.length > 0) {
      throw new FhirBundleImportError(`${source} has ${dangling.length} dangling reference(s) (nothing was imported): ${dangling.slice(0, 10).join('; ')}${dangling.length > 10 ? '; …' : ''}`);
    }
    const patients = new Set(parsed.filter((p) => p.type === 'Patient').map((p) => p.fullUrl));
    // Encounters first: a resumed import always has the head of a group before its members.
    const ordered = [...records].sort((a, b) => (a.resourceType === 'Encounter' ? 0 : 1) - (b.resourceType === 'Encounter' ? 0 : 1) || a.index - b.index);
    skipped.sort((a, b) => a.index - b.index);
    return new FhirBundle(source, type, ordered, skipped, patients, byFullUrl, byTypeAndId);
  }

  /**
   * The record content: the resource as in the bundle, each reference to another imported entry rewritten to
   * urn:uuid:<its record id>, each reference to the bundle's Patient to Patient/<the importing patient's id>.
   */
  recordContent(resource: FhirBundleResource, recordIdByFullUrl: Map<string, string>, patientId: string): string {
    const copy = cloneNode(resource.resource) as JsonObjectNode;
    rewrite(copy, (reference) => {
      const target = reference.startsWith('#') ? null : resolve(reference, copy, this.byFullUrl, this.byTypeAndId);
      if (target === null) return reference;
      if (this.patientFullUrls.has(target)) return `Patient/${patientId}`;
      const recordId = recordIdByFullUrl.get(target);
      return recordId === undefined ? reference : `urn:uuid:${recordId}`;
    });
    return compactJson(copy);
  }
}

function checkSize(length: number, source: string): void {
  if (length > MAX_BUNDLE_BYTES) {
    throw new FhirBundleImportError(`${source} is ${(length / (1024 * 1024)).toFixed(1)} MiB; bundles are limited to ${MAX_BUNDLE_BYTES / (1024 * 1024)} MiB. Split the export (one bundle per patient or per year) and import the parts.`);
  }
}

// The browser's stand-in for Firely's strict parse (docs/import.md says where it is weaker).
function checkStructure(resource: JsonObjectNode, what: string): void {
  try {
    checkFhirObject(JSON.parse(compactJson(resource)));
  } catch (e) {
    if (e instanceof FhirValidationError) throw new FhirBundleImportError(`${what} is not valid FHIR R4 (nothing was imported): ${e.message}`);
    throw e;
  }
}

/** The fullUrl a reference points to inside the bundle, or null; `#id` resolves when the id is among the resource's contained. */
function resolve(reference: string, resource: JsonObjectNode, byFullUrl: Map<string, unknown>, byTypeAndId: Map<string, string>): string | null {
  if (reference.startsWith('#')) {
    const id = reference.slice(1);
    const contained = resource.get('contained');
    const ids = Array.isArray(contained) ? contained.filter(isObj).map((c) => str(c, 'id')) : [];
    return id.length === 0 || ids.includes(id) ? '#' + id : null;
  }
  if (byFullUrl.has(reference)) return reference;
  const relative = reference.split('/_history/')[0]!;
  const byId = byTypeAndId.get(relative);
  if (byId !== undefined) return byId;
  for (const u of byFullUrl.keys()) {
    if (u.endsWith('/' + relative) && (u.startsWith('http://') || u.startsWith('https://'))) return u;
  }
  return null;
}

// ---- Import state: per content hash, the planned record id and whether its upload completed (never content) ----

export interface ImportStateEntry {
  recordId: string;
  resourceType: string;
  uploaded: boolean;
}

interface StoredState {
  version: 1;
  patientId: string;
  resources: Record<string, ImportStateEntry>;
}

/** localStorage, so a closed tab resumes; keyed by the patient so another account on this browser never sees it. */
export function importStateKey(patientId: string): string {
  return `medledger.fhirImport.${patientId}`;
}

export class FhirImportState {
  private constructor(readonly patientId: string, private readonly resources: Map<string, ImportStateEntry>) {}

  static load(patientId: string): FhirImportState {
    const raw = localStorage.getItem(importStateKey(patientId));
    if (raw === null) return new FhirImportState(patientId, new Map());
    let stored: StoredState;
    try {
      stored = JSON.parse(raw) as StoredState;
    } catch {
      throw new FhirBundleImportError('This browser\'s import state is not readable; use "Forget this browser\'s import state" to start over (a re-import then writes new copies).');
    }
    if (stored?.version !== 1 || stored.patientId !== patientId || typeof stored.resources !== 'object') {
      throw new FhirBundleImportError('This browser\'s import state belongs to another account or format; use "Forget this browser\'s import state" to start over.');
    }
    return new FhirImportState(patientId, new Map(Object.entries(stored.resources)));
  }

  static forget(patientId: string): void {
    localStorage.removeItem(importStateKey(patientId));
  }

  get(hash: string): ImportStateEntry | undefined {
    return this.resources.get(hash);
  }

  plan(hash: string, resourceType: string): ImportStateEntry {
    let entry = this.resources.get(hash);
    if (!entry) {
      entry = { recordId: crypto.randomUUID(), resourceType, uploaded: false };
      this.resources.set(hash, entry);
    }
    return entry;
  }

  markUploaded(hash: string): void {
    const entry = this.resources.get(hash)!;
    this.resources.set(hash, { ...entry, uploaded: true });
  }

  save(): void {
    const stored: StoredState = { version: 1, patientId: this.patientId, resources: Object.fromEntries(this.resources) };
    localStorage.setItem(importStateKey(this.patientId), JSON.stringify(stored));
  }
}

// ---- The import ----

export type FhirImportOutcome = 'Imported' | 'AlreadyImported';

export interface ImportedFhirResource {
  resourceType: string;
  fullUrl: string;
  recordId: string;
  encounterRecordId: string | null;
  outcome: FhirImportOutcome;
}

export interface FhirImportReport {
  source: string;
  resources: ImportedFhirResource[];
  skipped: SkippedFhirResource[];
}

export interface FhirImportProgress {
  source: string;
  done: number;
  total: number;
}

interface PlannedBundle {
  bundle: FhirBundle;
  items: { resource: FhirBundleResource; entry: ImportStateEntry; content: Uint8Array }[];
  idByFullUrl: Map<string, string>;
}

/** Thrown when the Cancel button stopped a run; what was uploaded stays marked, a re-run continues. */
export class FhirImportCancelled extends Error {
  constructor() {
    super('The import was cancelled; import the same file again to continue where it stopped.');
    this.name = 'FhirImportCancelled';
  }
}

/**
 * Seals and uploads each clinical resource of the bundles as its own record, as the signed-in patient. Every bundle is
 * checked and every record's content built and checked before the first upload; record ids are planned and saved in
 * this browser's import state first, so a re-run skips what is done and an interrupted run continues with the same ids.
 */
export async function importFhirBundles(
  bundles: FhirBundle[],
  options: { onProgress?: (p: FhirImportProgress) => void; signal?: AbortSignal } = {},
): Promise<FhirImportReport[]> {
  const s = requireSession();
  if (s.tokens.user.role !== 'Patient') throw new Error('A bundle is imported by the patient it belongs to: sign in as the patient.');
  const patientId = s.tokens.user.id;
  const state = FhirImportState.load(patientId);
  const planned: PlannedBundle[] = bundles.map((bundle) => {
    const items = bundle.records.map((resource) => ({ resource, entry: state.plan(resource.contentHash, resource.resourceType) }));
    const idByFullUrl = new Map(items.map((p) => [p.resource.fullUrl, p.entry.recordId]));
    // Every content is built and checked before the first upload: a resource that fails after mapping changes nothing.
    return {
      bundle,
      idByFullUrl,
      items: items.map((p) => {
        const json = bundle.recordContent(p.resource, idByFullUrl, patientId);
        try {
          checkFhirResource(json);
        } catch (e) {
          if (e instanceof FhirValidationError) throw new FhirBundleImportError(`${bundle.source}: entry ${p.resource.index} (${p.resource.resourceType}) after mapping its references: ${e.message}`);
          throw e;
        }
        return { ...p, content: new TextEncoder().encode(json) };
      }),
    };
  });
  state.save();

  const reports: FhirImportReport[] = [];
  for (const plan of planned) {
    const done: (ImportedFhirResource | undefined)[] = new Array(plan.items.length);
    let count = 0;
    options.onProgress?.({ source: plan.bundle.source, done: 0, total: plan.items.length });
    const inFlight = new Map<string, Promise<FhirImportOutcome>>();
    const importOne = async (k: number) => {
      const { resource, entry, content } = plan.items[k]!;
      let outcome: FhirImportOutcome = 'AlreadyImported';
      const pending = inFlight.get(resource.contentHash);
      if (pending) {
        await pending; // the same resource twice in one bundle: one record
      } else if (!state.get(resource.contentHash)!.uploaded) {
        // Not aborted by a cancel: an upload already sent may still land on the server after the client gives up on it,
        // and "cancelled" would then not mean "nothing more is written". Cancelling stops new uploads (runLimited) and
        // waits for these few to finish, so each one is recorded as uploaded.
        const upload = uploadImported(entry.recordId, resource.resourceType, content, patientId);
        inFlight.set(resource.contentHash, upload);
        outcome = await upload;
        state.markUploaded(resource.contentHash);
        state.save();
      }
      const encounter = resource.encounterFullUrl === null ? null : plan.idByFullUrl.get(resource.encounterFullUrl) ?? null;
      done[k] = { resourceType: resource.resourceType, fullUrl: resource.fullUrl, recordId: entry.recordId, encounterRecordId: encounter, outcome };
      count++;
      options.onProgress?.({ source: plan.bundle.source, done: count, total: plan.items.length });
    };
    // Encounters complete before their members start, so an interrupted import never has a group without its head.
    const encounters = plan.items.map((_, k) => k).filter((k) => plan.items[k]!.resource.resourceType === 'Encounter');
    const others = plan.items.map((_, k) => k).filter((k) => plan.items[k]!.resource.resourceType !== 'Encounter');
    await runLimited(encounters, importOne, options.signal);
    await runLimited(others, importOne, options.signal);
    reports.push({ source: plan.bundle.source, resources: done.filter((d): d is ImportedFhirResource => d !== undefined), skipped: plan.bundle.skipped });
  }
  return reports;
}

/**
 * Runs `work` over `indexes` with at most IMPORT_PARALLELISM in flight; stops starting new work once cancelled, and
 * returns (or throws) only when every lane has finished the work it started. A lane that threw on cancel made
 * `Promise.all` reject at once, while the other lanes' uploads were still in flight and landed after "cancelled".
 */
async function runLimited(indexes: number[], work: (k: number) => Promise<void>, signal?: AbortSignal): Promise<void> {
  let next = 0;
  let failure: unknown = null;
  const lane = async () => {
    while (next < indexes.length && failure === null) {
      if (signal?.aborted) return;
      const k = indexes[next++]!;
      try {
        await work(k);
      } catch (e) {
        failure ??= signal?.aborted ? new FhirImportCancelled() : e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(IMPORT_PARALLELISM, indexes.length) }, lane));
  if (failure !== null) throw failure;
  if (signal?.aborted) throw new FhirImportCancelled();
}

/**
 * Writes version 1 of a planned record. When the server already holds it (a previous run stopped after the upload but
 * before the state was saved), that version is opened and counted as imported only if it is this patient's, of this
 * category and byte-equal to the content — as the C# SDK.
 */
async function uploadImported(recordId: string, category: string, content: Uint8Array, patientId: string): Promise<FhirImportOutcome> {
  try {
    await writeRecord({ patientId, category, contentType: FHIR_CONTENT_TYPE, content, newRecordId: recordId });
    return 'Imported';
  } catch (e) {
    if (!(e instanceof ApiProblem) || e.status !== 409) throw e;
    const existing = await openRecord(recordId, 1);
    if (existing.authorId === patientId && existing.category === category && sameBytes(existing.content, content)) return 'AlreadyImported';
    throw e;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
}
