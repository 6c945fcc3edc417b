// Structural checks of FHIR R4 JSON before anything is sealed. The C# SDK parses strictly with the
// Firely SDK; the browser has no such parser, so this checks what makes a resource unusable: not JSON,
// an unknown resourceType, missing required elements, repeating elements that are not arrays, nulls,
// malformed ids and dates. Each message names the element path so the patient can fix the file.

import { FHIR_RECORD_CATEGORIES } from '../crypto';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

interface ResourceRules {
  /** Required elements (cardinality 1..1 or 1..*); `x[x]` means one of the choice variants. */
  required: string[];
  /** Elements with cardinality 0..* or 1..* (must be arrays in JSON). */
  arrays: string[];
  /** Required elements inside backbone elements, e.g. `participant.status`. */
  nested?: Record<string, { required: string[]; arrays?: string[] }>;
}

// From the FHIR R4 (4.0.1) resource definitions: the elements the record types MedLedger stores require
// or repeat. Bundle entries may hold further types; those get the generic checks plus what is listed here.
const RULES: Record<string, ResourceRules> = {
  Observation: {
    required: ['status', 'code'],
    arrays: ['identifier', 'basedOn', 'partOf', 'category', 'focus', 'performer', 'interpretation', 'note', 'referenceRange', 'hasMember', 'derivedFrom', 'component'],
    nested: { component: { required: ['code'], arrays: ['interpretation', 'referenceRange'] } },
  },
  Condition: {
    required: ['subject'],
    arrays: ['identifier', 'category', 'bodySite', 'stage', 'evidence', 'note'],
  },
  MedicationRequest: {
    required: ['status', 'intent', 'subject', 'medication[x]'],
    arrays: ['identifier', 'category', 'supportingInformation', 'reasonCode', 'reasonReference', 'instantiatesCanonical', 'instantiatesUri', 'basedOn', 'insurance', 'note', 'dosageInstruction', 'detectedIssue', 'eventHistory'],
  },
  DiagnosticReport: {
    required: ['status', 'code'],
    arrays: ['identifier', 'basedOn', 'category', 'performer', 'resultsInterpreter', 'specimen', 'result', 'imagingStudy', 'media', 'conclusionCode', 'presentedForm'],
  },
  AllergyIntolerance: {
    required: ['patient'],
    arrays: ['identifier', 'category', 'note', 'reaction'],
    nested: { reaction: { required: ['manifestation'], arrays: ['manifestation', 'note'] } },
  },
  Immunization: {
    required: ['status', 'vaccineCode', 'patient', 'occurrence[x]'],
    arrays: ['identifier', 'performer', 'note', 'reasonCode', 'reasonReference', 'subpotentReason', 'education', 'programEligibility', 'reaction', 'protocolApplied'],
  },
  Procedure: {
    required: ['status', 'subject'],
    arrays: ['identifier', 'instantiatesCanonical', 'instantiatesUri', 'basedOn', 'partOf', 'performer', 'reasonCode', 'reasonReference', 'bodySite', 'report', 'complication', 'complicationDetail', 'followUp', 'note', 'focalDevice', 'usedReference', 'usedCode'],
  },
  CarePlan: {
    required: ['status', 'intent', 'subject'],
    arrays: ['identifier', 'instantiatesCanonical', 'instantiatesUri', 'basedOn', 'replaces', 'partOf', 'category', 'contributor', 'careTeam', 'addresses', 'supportingInfo', 'goal', 'activity', 'note'],
  },
  Encounter: {
    required: ['status', 'class'],
    arrays: ['identifier', 'statusHistory', 'classHistory', 'type', 'episodeOfCare', 'basedOn', 'participant', 'appointment', 'reasonCode', 'reasonReference', 'diagnosis', 'account', 'location'],
  },
  Patient: {
    required: [],
    arrays: ['identifier', 'name', 'telecom', 'address', 'photo', 'contact', 'communication', 'generalPractitioner', 'link'],
  },
  Bundle: {
    required: ['type'],
    arrays: ['link', 'entry'],
  },
  Appointment: {
    required: ['status', 'participant'],
    arrays: ['identifier', 'serviceCategory', 'serviceType', 'specialty', 'reasonCode', 'reasonReference', 'supportingInformation', 'slot', 'basedOn', 'participant', 'requestedPeriod'],
    nested: { participant: { required: ['status'], arrays: ['type'] } },
  },
  Claim: {
    required: ['status', 'type', 'use', 'patient', 'created', 'provider', 'priority', 'insurance'],
    arrays: ['identifier', 'related', 'careTeam', 'supportingInfo', 'diagnosis', 'procedure', 'insurance', 'item'],
  },
  Coverage: {
    required: ['status', 'beneficiary', 'payor'],
    arrays: ['identifier', 'payor', 'class', 'costToBeneficiary', 'contract'],
  },
  Consent: {
    required: ['status', 'scope', 'category'],
    arrays: ['identifier', 'category', 'performer', 'organization', 'policy', 'verification'],
  },
  DocumentReference: {
    required: ['status', 'content'],
    arrays: ['identifier', 'category', 'author', 'relatesTo', 'securityLabel', 'content'],
  },
  // Types that only appear inside bundles here (real exports carry them).
  Organization: { required: [], arrays: ['identifier', 'type', 'alias', 'telecom', 'address', 'contact', 'endpoint'] },
  Practitioner: { required: [], arrays: ['identifier', 'name', 'telecom', 'address', 'photo', 'qualification', 'communication'] },
  // Stored as a record too since pharmacists write one per fill (RecordCategories.MedicationDispense).
  MedicationDispense: { required: ['status', 'medication[x]'], arrays: ['identifier', 'partOf', 'performer', 'authorizingPrescription', 'receiver', 'note', 'dosageInstruction', 'detectedIssue', 'eventHistory'] },
  ServiceRequest: { required: ['status', 'intent', 'subject'], arrays: ['identifier', 'basedOn', 'replaces', 'category', 'orderDetail', 'performer', 'locationCode', 'locationReference', 'reasonCode', 'reasonReference', 'insurance', 'supportingInfo', 'specimen', 'bodySite', 'note', 'relevantHistory'] },
  ImagingStudy: { required: ['status', 'subject'], arrays: ['identifier', 'modality', 'basedOn', 'interpreter', 'endpoint', 'procedureCode', 'reasonCode', 'reasonReference', 'note', 'series'] },
  Specimen: { required: [], arrays: ['identifier', 'parent', 'request', 'processing', 'container', 'condition', 'note'] },
  Device: { required: [], arrays: ['identifier', 'udiCarrier', 'deviceName', 'specialization', 'version', 'property', 'contact', 'note', 'safety'] },
  Medication: { required: [], arrays: ['ingredient'] },
};

/** Elements holding a FHIR date/dateTime/instant (checked against the R4 regular expression). */
const DATE_ELEMENTS = new Set([
  'effectiveDateTime', 'effectiveInstant', 'issued', 'onsetDateTime', 'abatementDateTime', 'recordedDate', 'authoredOn', 'occurrenceDateTime',
  'performedDateTime', 'birthDate', 'deceasedDateTime', 'created', 'start', 'end', 'lastOccurrence', 'expirationDate', 'dateTime', 'date', 'lastUpdated',
  'whenHandedOver', 'whenPrepared', 'valueDateTime',
]);
const DATE_RE = /^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?$/;
const ID_RE = /^[A-Za-z0-9\-.]{1,64}$/;
const ELEMENT_NAME_RE = /^_?[A-Za-z][A-Za-z0-9_]*$/;

/** Resource types a record may hold (the server's categories minus File and EmergencySummary); the others only inside bundles. */
export const STORABLE_RESOURCE_TYPES: readonly string[] = FHIR_RECORD_CATEGORIES;

export class FhirValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FhirValidationError';
  }
}

function isObject(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fail(path: string, message: string): never {
  throw new FhirValidationError(`The FHIR resource is not valid R4: ${path}: ${message}`);
}

function hasElement(o: JsonObject, name: string): boolean {
  if (name.endsWith('[x]')) {
    const prefix = name.slice(0, -3);
    return Object.keys(o).some((k) => k.startsWith(prefix) && k.length > prefix.length && /[A-Z]/.test(k[prefix.length]!));
  }
  const v = o[name];
  return v !== undefined && !(Array.isArray(v) && v.length === 0);
}

/** Generic JSON rules of FHIR: no nulls, no empty objects or arrays, sensible element names, dates and ids well formed. */
function checkValue(value: Json, path: string, key: string): void {
  if (value === null) fail(path, 'null is not allowed in FHIR JSON (leave the element out).');
  if (Array.isArray(value)) {
    if (value.length === 0) fail(path, 'empty arrays are not allowed (leave the element out).');
    value.forEach((v, i) => {
      // Arrays of primitive extensions (`_given`) may hold nulls to line up with their values.
      if (v === null && key.startsWith('_')) return;
      if (Array.isArray(v)) fail(`${path}[${i}]`, 'arrays cannot contain arrays.');
      checkValue(v, `${path}[${i}]`, key);
    });
    return;
  }
  if (isObject(value)) {
    const keys = Object.keys(value);
    if (keys.length === 0) fail(path, 'empty objects are not allowed.');
    for (const k of keys) {
      if (!ELEMENT_NAME_RE.test(k)) fail(`${path}.${k}`, 'is not a valid element name.');
      const child = value[k]!;
      if (k === 'resourceType' || k === 'div') continue;
      if (isObject(child) && typeof child.resourceType === 'string') continue; // a contained/entry resource, checked by its caller
      checkValue(child, `${path}.${k}`, k);
    }
    return;
  }
  if (typeof value === 'string') {
    if (value.trim() === '' && value !== '') fail(path, 'strings must not be only whitespace.');
    if (value === '') fail(path, 'empty strings are not allowed (leave the element out).');
    if (DATE_ELEMENTS.has(key) && !DATE_RE.test(value)) fail(path, `"${value}" is not a FHIR date or dateTime.`);
  }
}

function checkBackbone(o: JsonObject, path: string, name: string, rules: { required: string[]; arrays?: string[] }): void {
  const v = o[name];
  if (v === undefined) return;
  const items = Array.isArray(v) ? v : [v];
  items.forEach((item, i) => {
    const p = Array.isArray(v) ? `${path}.${name}[${i}]` : `${path}.${name}`;
    if (!isObject(item)) fail(p, 'must be an object.');
    for (const r of rules.required) if (!hasElement(item, r)) fail(`${p}.${r.replace('[x]', '')}`, 'is required.');
    for (const a of rules.arrays ?? []) if (item[a] !== undefined && !Array.isArray(item[a])) fail(`${p}.${a}`, 'repeats, so it must be an array.');
  });
}

function checkResource(r: Json, path: string, topLevel: boolean): string {
  if (!isObject(r)) fail(path, 'a resource must be a JSON object.');
  const type = r.resourceType;
  if (typeof type !== 'string' || type === '') fail(path, 'resourceType is missing.');
  const rules = RULES[type];
  if (topLevel && !STORABLE_RESOURCE_TYPES.includes(type)) fail(path, `resourceType "${type}" is not a FHIR resource type MedLedger stores.`);
  if (!/^[A-Z][A-Za-z]+$/.test(type)) fail(`${path}.resourceType`, `"${type}" is not a FHIR resource type.`);
  if (r.id !== undefined && (typeof r.id !== 'string' || !ID_RE.test(r.id))) fail(`${path}.id`, 'must be 1-64 letters, digits, "-" or ".".');
  if (r.meta !== undefined && !isObject(r.meta)) fail(`${path}.meta`, 'must be an object.');
  if (r.text !== undefined) {
    if (!isObject(r.text)) fail(`${path}.text`, 'must be a Narrative object.');
    if (typeof r.text.status !== 'string' || typeof r.text.div !== 'string') fail(`${path}.text`, 'a Narrative needs status and div.');
  }
  checkValue(r, path, '');
  if (rules) {
    for (const req of rules.required) if (!hasElement(r, req)) fail(`${path}.${req.replace('[x]', '')}`, `is required in ${type}.`);
    for (const a of rules.arrays) if (r[a] !== undefined && !Array.isArray(r[a])) fail(`${path}.${a}`, 'repeats, so it must be an array.');
    for (const [name, nested] of Object.entries(rules.nested ?? {})) checkBackbone(r, path, name, nested);
    if (typeof r.status !== 'undefined' && typeof r.status !== 'string') fail(`${path}.status`, 'must be a code (string).');
  }
  if (Array.isArray(r.contained)) r.contained.forEach((c, i) => checkResource(c, `${path}.contained[${i}]`, false));
  if (type === 'Bundle' && Array.isArray(r.entry)) {
    r.entry.forEach((e, i) => {
      if (!isObject(e)) fail(`${path}.entry[${i}]`, 'must be an object.');
      if (e.resource !== undefined) checkResource(e.resource, `${path}.entry[${i}].resource`, false);
    });
  }
  return type;
}

/** Parses and checks one FHIR R4 resource; returns its resourceType or throws FhirValidationError. */
export function checkFhirResource(json: string): string {
  if (json.charCodeAt(0) === 0xfeff) {
    throw new FhirValidationError('The FHIR JSON starts with a byte-order mark; save it as plain UTF-8 text.');
  }
  let parsed: Json;
  try {
    parsed = JSON.parse(json) as Json;
  } catch (e) {
    throw new FhirValidationError(`This is not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!isObject(parsed)) throw new FhirValidationError('A FHIR resource is a JSON object with a resourceType.');
  return checkResource(parsed, parsed.resourceType && typeof parsed.resourceType === 'string' ? parsed.resourceType : '(resource)', true);
}

/** Checks an already parsed resource of any type (a bundle entry, which need not be a record type); returns its resourceType. */
export function checkFhirObject(resource: unknown): string {
  if (!isObject(resource as Json)) throw new FhirValidationError('A FHIR resource is a JSON object with a resourceType.');
  const type = (resource as JsonObject).resourceType;
  return checkResource(resource as Json, typeof type === 'string' && type !== '' ? type : '(resource)', false);
}

/** Parses JSON already checked by checkFhirResource (for display). */
export function parseFhir(json: string): JsonObject {
  return JSON.parse(json) as JsonObject;
}
