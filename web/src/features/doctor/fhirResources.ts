// FHIR R4 resources a doctor writes, built from form values. Only elements R4 defines, with the
// types it defines: the C# SDK parses records strictly (Firely), so an unknown element or a wrong
// type would make the record unreadable there.

import { SCHEDULE_EXTENSION } from '../../sdk/dispensing';

const SNOMED = 'http://snomed.info/sct';
const UCUM = 'http://unitsofmeasure.org';

export const clinicalStatuses = [
  { code: 'active', label: 'Active' },
  { code: 'recurrence', label: 'Recurrence' },
  { code: 'relapse', label: 'Relapse' },
  { code: 'inactive', label: 'Inactive' },
  { code: 'remission', label: 'Remission' },
  { code: 'resolved', label: 'Resolved' },
] as const;

// entered-in-error is left out: it marks an existing entry as wrong (and forbids a clinical status), never a new diagnosis.
export const verificationStatuses = [
  { code: 'confirmed', label: 'Confirmed' },
  { code: 'provisional', label: 'Provisional' },
  { code: 'differential', label: 'Differential' },
  { code: 'unconfirmed', label: 'Unconfirmed' },
  { code: 'refuted', label: 'Refuted' },
] as const;

export interface DiagnosisInput {
  patientId: string;
  doctorId: string;
  codeText: string;
  snomedCode?: string;
  clinicalStatus: string;
  verificationStatus: string;
  /** yyyy-mm-dd from a date input, optional. */
  onsetDate?: string;
  note?: string;
  recordedAt: Date;
}
export interface PrescriptionInput {
  patientId: string;
  doctorId: string;
  medication: string;
  dosageText: string;
  doseValue?: number;
  doseUnit?: string;
  /** Times per day. */
  timesPerDay?: number;
  durationDays?: number;
  repeats?: number;
  /** Units per fill (dispenseRequest.quantity): what makes it dispensable. */
  quantity?: number;
  quantityUnit?: string;
  /** Last day it may be dispensed (YYYY-MM-DD, the whole day in UTC). */
  validUntil?: string;
  /** Controlled-drug schedule ("II" … "V"), carried in the extension both clients check. */
  schedule?: string;
  authoredOn: Date;
}

/** A SNOMED CT concept id: 6 to 18 digits, no leading zero. */
export function isSnomedCode(code: string): boolean {
  return /^[1-9][0-9]{5,17}$/.test(code);
}

export function buildCondition(d: DiagnosisInput): Record<string, unknown> {
  const code: Record<string, unknown> = { text: d.codeText.trim() };
  if (d.snomedCode?.trim()) code.coding = [{ system: SNOMED, code: d.snomedCode.trim(), display: d.codeText.trim() }];
  const practitioner = { reference: `Practitioner/${d.doctorId}` };
  const condition: Record<string, unknown> = {
    resourceType: 'Condition',
    clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: d.clinicalStatus }] },
    verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: d.verificationStatus }] },
    code,
    subject: { reference: `Patient/${d.patientId}` },
  };
  if (d.onsetDate) condition.onsetDateTime = d.onsetDate;
  condition.recordedDate = d.recordedAt.toISOString();
  condition.recorder = practitioner;
  condition.asserter = practitioner;
  if (d.note?.trim()) condition.note = [{ text: d.note.trim() }];
  return condition;
}

export function buildMedicationRequest(p: PrescriptionInput): Record<string, unknown> {
  const dosage: Record<string, unknown> = { text: p.dosageText.trim() };
  const repeat: Record<string, unknown> = {};
  if (p.durationDays !== undefined) repeat.boundsDuration = { value: p.durationDays, unit: 'days', system: UCUM, code: 'd' };
  if (p.timesPerDay !== undefined) Object.assign(repeat, { frequency: p.timesPerDay, period: 1, periodUnit: 'd' });
  if (Object.keys(repeat).length > 0) dosage.timing = { repeat };
  if (p.doseValue !== undefined) {
    const quantity: Record<string, unknown> = { value: p.doseValue };
    if (p.doseUnit?.trim()) quantity.unit = p.doseUnit.trim();
    dosage.doseAndRate = [{ doseQuantity: quantity }];
  }
  const request: Record<string, unknown> = {
    resourceType: 'MedicationRequest',
    status: 'active',
    intent: 'order',
    medicationCodeableConcept: { text: p.medication.trim() },
    subject: { reference: `Patient/${p.patientId}` },
    authoredOn: p.authoredOn.toISOString(),
    requester: { reference: `Practitioner/${p.doctorId}` },
    dosageInstruction: [dosage],
  };
  const dispense: Record<string, unknown> = {};
  if (p.repeats !== undefined) dispense.numberOfRepeatsAllowed = p.repeats;
  if (p.quantity !== undefined) dispense.quantity = p.quantityUnit?.trim() ? { value: p.quantity, unit: p.quantityUnit.trim() } : { value: p.quantity };
  if (p.validUntil) dispense.validityPeriod = { start: p.authoredOn.toISOString().slice(0, 10), end: p.validUntil };
  if (Object.keys(dispense).length > 0) request.dispenseRequest = dispense;
  if (p.schedule) request.extension = [{ url: SCHEDULE_EXTENSION, valueString: p.schedule }];
  return request;
}
