// Prescriptions and fills in the browser (docs/prescriptions.md), following src/MedLedger.Client/DispensingClient.cs:
// every issue, cancellation and fill is checked against its verified ledger receipt; a pharmacist's browser opens the
// MedicationRequest here and checks it end to end before it signs a pharmacy.dispense; the prescriber signs the cancel.
import { fromBase64, sha256, toHex } from '../crypto';
import { recordHeaderBytes } from '../crypto/envelope';
import { receiptTransaction, type LedgerReceipt, type LedgerTransaction } from '../ledger';
import { api } from '../app/http';
import { requireSession } from '../app/session';
import { checkReceipt, signTransaction, VerificationError } from './ledger';
import { checkAnchor, fetchSealed, FHIR_CONTENT_TYPE, openSealed, sealedHeader, writeRecord, type DecryptedRecord } from './records';
import { identityCard } from './identity';
import { formatDateTime } from '../ui/dates';
import { listGrants, type Grant } from './consent';

/** The FHIR extension a prescriber's MedicationRequest carries for a controlled substance's schedule (PrescriptionLimits.ScheduleExtension). */
export const SCHEDULE_EXTENSION = 'https://medledger.example/fhir/StructureDefinition/controlled-substance-schedule';
/** Without a validityPeriod end a prescription is valid this long after issue (PrescriptionLimits.DefaultValidity). */
const DEFAULT_VALIDITY_MS = 365 * 24 * 3600 * 1000;
const DAY_MS = 24 * 3600 * 1000;

/** One fill as the server serves it (PrescriptionFillInfo). */
export interface PrescriptionFill {
  prescriptionId: string;
  fillNumber: number;
  quantity: number;
  pharmacistId: string;
  pharmacyId: string;
  transactionId: string;
  dispensedAt: string;
  receipt: LedgerReceipt | null;
}

/** A prescription as the server serves it (PrescriptionInfo): its ledger limits and every fill at any pharmacy. */
export interface PrescriptionInfo {
  prescriptionId: string;
  recordId: string;
  recordVersion: number;
  patientId: string;
  prescriberId: string;
  headerHash: string;
  totalUnits: number;
  maxFills: number;
  validUntil: string;
  status: string;
  dispensed: number;
  issueTransactionId: string;
  issuedAt: string;
  cancelTransactionId: string | null;
  cancelledAt: string | null;
  fills: PrescriptionFill[];
  issueReceipt: LedgerReceipt | null;
  cancelReceipt: LedgerReceipt | null;
}

/** A fill after this browser's check of its receipt: a fill whose receipt does not hold up is kept, with the problem, to be shown as a warning. */
export interface CheckedFill extends PrescriptionFill {
  problem: string | null;
}

/** A prescription whose issue and cancellation were checked against verified receipts; totals count verified fills only. */
export interface CheckedPrescription {
  info: PrescriptionInfo;
  cancelled: boolean;
  dispensed: number;
  fillsMade: number;
  fills: CheckedFill[];
  unitsLeft: number;
  validUntilMs: number;
}

/** Why this browser will not dispense (or trust) a prescription; nothing was sent. */
export class PrescriptionCheckError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PrescriptionCheckError';
  }
}

export function prescriptionStatus(rx: CheckedPrescription, now = Date.now()): 'active' | 'cancelled' | 'expired' | 'completed' {
  if (rx.cancelled) return 'cancelled';
  if (now > rx.validUntilMs) return 'expired';
  if (rx.unitsLeft <= 0 || rx.fillsMade >= rx.info.maxFills) return 'completed';
  return 'active';
}

/** The limits a MedicationRequest's dispenseRequest sets, as the ledger must carry them (PrescriptionLimits.FromFhir). */
export interface PrescriptionLimits {
  totalUnits: number;
  maxFills: number;
  validUntilMs: number;
  explicitEnd: boolean;
  scheduleII: boolean;
}

interface MedicationRequestJson {
  resourceType?: string;
  medicationCodeableConcept?: { text?: string; coding?: { display?: string; code?: string }[] };
  medicationReference?: { display?: string };
  dosageInstruction?: { text?: string }[];
  extension?: { url?: string; valueString?: string }[];
  dispenseRequest?: { quantity?: { value?: number; unit?: string }; numberOfRepeatsAllowed?: number; validityPeriod?: { end?: string } };
}

function parseMedicationRequest(json: string): MedicationRequestJson {
  let mr: MedicationRequestJson;
  try {
    mr = JSON.parse(json) as MedicationRequestJson;
  } catch (e) {
    throw new PrescriptionCheckError(`The prescription is not valid JSON: ${(e as Error).message}`);
  }
  if (mr?.resourceType !== 'MedicationRequest') throw new PrescriptionCheckError('The prescription is not a FHIR MedicationRequest.');
  return mr;
}

export function limitsFromFhir(json: string, issuedAtMs: number): PrescriptionLimits {
  const mr = parseMedicationRequest(json);
  const q = mr.dispenseRequest?.quantity?.value;
  if (typeof q !== 'number' || !Number.isInteger(q) || q < 1 || q > 1_000_000) {
    throw new PrescriptionCheckError("A prescription's dispenseRequest needs a whole quantity of at least 1.");
  }
  const repeats = mr.dispenseRequest?.numberOfRepeatsAllowed ?? 0;
  if (!Number.isInteger(repeats) || repeats < 0 || repeats > 99) throw new PrescriptionCheckError('numberOfRepeatsAllowed must be from 0 to 99.');
  const schedule = mr.extension?.find((x) => x.url === SCHEDULE_EXTENSION)?.valueString;
  const end = mr.dispenseRequest?.validityPeriod?.end;
  let validUntilMs: number;
  if (end === undefined) {
    validUntilMs = issuedAtMs + DEFAULT_VALIDITY_MS;
  } else if (/^\d{4}-\d{2}-\d{2}$/.test(end)) {
    // A date means the whole of that day (UTC).
    validUntilMs = Date.parse(`${end}T00:00:00Z`) + DAY_MS - 1;
  } else {
    // A date-time without a zone is UTC, as the C# client reads it.
    validUntilMs = Date.parse(/(Z|[+-]\d{2}:\d{2})$/.test(end) ? end : `${end}Z`);
  }
  if (!Number.isFinite(validUntilMs)) throw new PrescriptionCheckError('dispenseRequest.validityPeriod.end is not a date.');
  return { totalUnits: q * (1 + repeats), maxFills: 1 + repeats, validUntilMs, explicitEnd: end !== undefined, scheduleII: schedule === 'II' || schedule === '2' || schedule === 'CII' };
}

/** What a MedicationRequest says to a person (drug, dosage, quantity); for display only. */
export function describeMedicationRequest(json: string): { medication: string; dosage: string | null; quantity: string | null; scheduleII: boolean } {
  const mr = parseMedicationRequest(json);
  const c = mr.medicationCodeableConcept;
  const medication = c?.text?.trim() || c?.coding?.find((x) => x.display)?.display || mr.medicationReference?.display || '(medication not named)';
  const q = mr.dispenseRequest?.quantity;
  const schedule = mr.extension?.find((x) => x.url === SCHEDULE_EXTENSION)?.valueString;
  return {
    medication,
    dosage: mr.dosageInstruction?.map((d) => d.text).filter(Boolean).join('; ') || null,
    quantity: q?.value !== undefined ? `${q.value}${q.unit ? ` ${q.unit}` : ''}` : null,
    scheduleII: schedule === 'II' || schedule === '2' || schedule === 'CII',
  };
}

/** A receipt served with the prescription: verified (signed head, inclusion) and of the named transaction and type. */
async function receiptTransactionOf(receipt: LedgerReceipt | null, transactionId: string, type: string): Promise<LedgerTransaction> {
  if (!receipt) throw new VerificationError(`The server sent ${type} ${transactionId} without its ledger receipt.`);
  await checkReceipt(receipt);
  const tx = await receiptTransaction(receipt);
  if (tx.id !== transactionId || tx.type !== type) throw new VerificationError(`The server's receipt for ${transactionId} is not that ${type}.`);
  return tx;
}

/**
 * The issue and any cancellation must match their receipts (else this throws: nothing about the prescription can be
 * trusted); each fill is checked against its pharmacy.dispense and carries its problem when it does not hold up.
 */
export async function checkPrescription(info: PrescriptionInfo): Promise<CheckedPrescription> {
  const id = info.prescriptionId;
  const validUntilMs = Date.parse(info.validUntil);
  const issue = await receiptTransactionOf(info.issueReceipt, info.issueTransactionId, 'prescriptions.issue');
  const p = issue.payload;
  if (issue.actorId !== info.prescriberId || p.prescriptionId !== id || p.recordId !== info.recordId || p.recordVersion !== String(info.recordVersion)
    || p.patientId !== info.patientId || p.headerHash !== info.headerHash || p.totalUnits !== String(info.totalUnits) || p.maxFills !== String(info.maxFills)
    || p.validUntilMs !== String(validUntilMs)) {
    throw new VerificationError(`Prescription ${id} does not match its prescriptions.issue on the ledger.`);
  }
  let cancelled = false;
  if (info.cancelTransactionId) {
    const cancel = await receiptTransactionOf(info.cancelReceipt, info.cancelTransactionId, 'prescriptions.cancel');
    if (cancel.actorId !== info.prescriberId || cancel.payload.prescriptionId !== id) {
      throw new VerificationError(`The cancellation of prescription ${id} does not match its prescriptions.cancel on the ledger.`);
    }
    cancelled = true;
  }
  if (cancelled !== (info.status === 'cancelled')) {
    throw new VerificationError(`The server reports prescription ${id} as ${info.status}; the ledger's receipts say ${cancelled ? 'cancelled' : 'active'}.`);
  }
  const numbers = new Set<number>();
  let dispensed = 0;
  const fills: CheckedFill[] = [];
  for (const f of info.fills) {
    let problem: string | null = null;
    try {
      const fill = await receiptTransactionOf(f.receipt, f.transactionId, 'pharmacy.dispense');
      const fp = fill.payload;
      if (fill.actorId !== f.pharmacistId || fp.prescriptionId !== id || fp.patientId !== info.patientId || fp.pharmacyId !== f.pharmacyId
        || fp.fillNumber !== String(f.fillNumber) || fp.quantity !== String(f.quantity) || numbers.has(f.fillNumber)) {
        problem = `Fill ${f.fillNumber} does not match its pharmacy.dispense on the ledger.`;
      }
    } catch (e) {
      problem = e instanceof Error ? e.message : String(e);
    }
    if (problem === null) {
      numbers.add(f.fillNumber);
      dispensed += f.quantity;
    }
    fills.push({ ...f, problem });
  }
  return { info, cancelled, dispensed, fillsMade: numbers.size, fills, unitsLeft: info.totalUnits - dispensed, validUntilMs };
}

/** Patient: yours; doctor: those you issued; pharmacist: those a grant covers, for a record or a patient (name one). Each checked here. */
export async function listPrescriptions(filter: { recordId?: string; patientId?: string } = {}, signal?: AbortSignal): Promise<CheckedPrescription[]> {
  const q = new URLSearchParams();
  if (filter.recordId) q.set('recordId', filter.recordId);
  if (filter.patientId) q.set('patientId', filter.patientId);
  const qs = q.toString();
  const infos = await api.get<PrescriptionInfo[]>('/api/prescriptions' + (qs ? `?${qs}` : ''), { signal });
  const out: CheckedPrescription[] = [];
  for (const info of infos) out.push(await checkPrescription(info));
  return out;
}

export async function getPrescription(prescriptionId: string, signal?: AbortSignal): Promise<CheckedPrescription> {
  const info = await api.get<PrescriptionInfo>(`/api/prescriptions/${prescriptionId}`, { signal });
  if (info.prescriptionId !== prescriptionId) throw new VerificationError(`Asked for prescription ${prescriptionId}, the server sent ${info.prescriptionId}.`);
  return checkPrescription(info);
}

/** The MedicationRequest behind a prescription, opened here (signature and records.write anchor checked). */
export interface OpenedPrescription {
  record: DecryptedRecord;
  json: string;
}

/** Opens the prescription's MedicationRequest version here; a patient or a grantee with a wrap can. */
export async function openPrescriptionRecord(rx: CheckedPrescription): Promise<OpenedPrescription & { headerHash: string }> {
  const info = rx.info;
  const sealed = await fetchSealed(info.recordId, info.recordVersion);
  if (sealed.recordId !== info.recordId || sealed.version !== info.recordVersion) {
    throw new VerificationError(`Asked for record ${info.recordId} version ${info.recordVersion}, the server sent ${sealed.recordId} version ${sealed.version}.`);
  }
  await checkAnchor(sealed);
  const record = await openSealed(sealed, requireSession().keys.encryption);
  const headerHash = toHex(await sha256(recordHeaderBytes(sealedHeader(sealed))));
  return { record, json: new TextDecoder('utf-8', { fatal: true }).decode(record.content), headerHash };
}

/**
 * The pharmacist's source checks (DispensingClient.CheckPrescriptionSourceAsync): the MedicationRequest opened here
 * (prescriber's signature, its records.write anchor), written by the prescriber for the patient at the header hash the
 * issue names; the prescriber an admin-verified doctor; the ledger limits the ones its dispenseRequest sets; schedule II
 * allows one fill. Throws PrescriptionCheckError naming the failed check.
 */
export async function checkPrescriptionSource(rx: CheckedPrescription): Promise<OpenedPrescription> {
  const info = rx.info;
  let opened: OpenedPrescription & { headerHash: string };
  try {
    opened = await openPrescriptionRecord(rx);
  } catch (e) {
    throw new PrescriptionCheckError(`The MedicationRequest of prescription ${info.prescriptionId} does not verify: ${e instanceof Error ? e.message : String(e)}`);
  }
  const r = opened.record;
  if (r.authorId !== info.prescriberId || r.patientId !== info.patientId || r.category !== 'MedicationRequest' || opened.headerHash !== info.headerHash) {
    throw new PrescriptionCheckError(`Prescription ${info.prescriptionId} is not bound to the MedicationRequest its prescriber wrote and anchored.`);
  }
  const card = await identityCard(info.prescriberId);
  if (!card.verified || card.card.role !== 'Doctor') {
    throw new PrescriptionCheckError(`The prescriber of ${info.prescriptionId} is not an admin-verified doctor (${card.notVerifiedReason ?? card.card.role}).`);
  }
  const issuedAtMs = Date.parse(info.issuedAt);
  const limits = limitsFromFhir(opened.json, issuedAtMs);
  // Without a validityPeriod end the prescriber's client chose the default from its own clock: allow a day's drift.
  const validityOk = limits.explicitEnd ? limits.validUntilMs === rx.validUntilMs : rx.validUntilMs <= issuedAtMs + DEFAULT_VALIDITY_MS + DAY_MS;
  if (limits.totalUnits !== info.totalUnits || limits.maxFills !== info.maxFills || !validityOk) {
    throw new PrescriptionCheckError(
      `The ledger limits of ${info.prescriptionId} (${info.totalUnits} units, ${info.maxFills} fills) are not the ones its MedicationRequest sets (${limits.totalUnits} units, ${limits.maxFills} fills).`,
    );
  }
  if (limits.scheduleII && info.maxFills > 1) {
    throw new PrescriptionCheckError(`Prescription ${info.prescriptionId} is for a schedule II drug but its ledger entry allows ${info.maxFills} fills.`);
  }
  return { record: opened.record, json: opened.json };
}

/** The dispense-time checks beyond the source: every fill verified, not cancelled, not expired, units and fills left. */
export function checkDispensable(rx: CheckedPrescription, quantity: number, now = Date.now()): void {
  const id = rx.info.prescriptionId;
  const bad = rx.fills.find((f) => f.problem);
  if (bad) throw new PrescriptionCheckError(`Fill ${bad.fillNumber} of prescription ${id} does not verify: ${bad.problem}`);
  if (rx.cancelled) throw new PrescriptionCheckError(`Prescription ${id} was cancelled by its prescriber.`);
  if (now > rx.validUntilMs) throw new PrescriptionCheckError(`Prescription ${id} was valid until ${formatDateTime(rx.validUntilMs)}.`);
  if (rx.fillsMade >= rx.info.maxFills || quantity > rx.unitsLeft) {
    throw new PrescriptionCheckError(`Prescription ${id} has ${rx.unitsLeft} units and ${rx.info.maxFills - rx.fillsMade} fills left.`);
  }
}

/** The pharmacist's active grant from the patient covering the prescription's record (prescriptions-only scopes, as the C# client). */
export function coveringGrant(grants: Grant[], rx: CheckedPrescription, pharmacistId: string): Grant | undefined {
  return grants.find((g) => g.active && g.patientId === rx.info.patientId && g.granteeId === pharmacistId
    && ((g.scope === 'Categories' && g.items.includes('MedicationRequest')) || (g.scope === 'Records' && g.items.includes(rx.info.recordId))));
}

/**
 * Pharmacist: check the prescription end to end (fresh from the server), then sign the next fill of `quantity` units
 * (partial when fewer than are left) and send it with the catalogue medicine the units come from. Returns the
 * prescription as the server answered, checked, and our fill (its receipt verified).
 */
/**
 * FHIR R4 MedicationDispense for a fill, as DispensingClient.MedicationDispenseJson builds it: the medication and dosage as the
 * prescriber wrote them, the quantity handed over in the prescription's unit, when, by whom, and the MedicationRequest it fills.
 */
export function medicationDispenseJson(medicationRequestJson: string, info: PrescriptionInfo, fill: PrescriptionFill, pharmacistId: string): string {
  const request = JSON.parse(medicationRequestJson) as Record<string, unknown>;
  const dispense: Record<string, unknown> = { resourceType: 'MedicationDispense', status: 'completed' };
  for (const name of ['contained', 'medicationCodeableConcept', 'medicationReference']) {
    if (request[name] !== undefined) dispense[name] = request[name];
  }
  dispense.subject = { reference: `Patient/${info.patientId}` };
  dispense.performer = [{ actor: { reference: `Practitioner/${pharmacistId}` } }];
  dispense.authorizingPrescription = [{ reference: `MedicationRequest/${info.recordId}` }];
  const requested = (request.dispenseRequest as { quantity?: Record<string, unknown> } | undefined)?.quantity;
  dispense.quantity = { ...(requested ?? {}), value: fill.quantity };
  dispense.whenHandedOver = new Date(fill.dispensedAt).toISOString().replace(/\.\d{3}Z$/, 'Z');
  if (request.dosageInstruction !== undefined) dispense.dosageInstruction = request.dosageInstruction;
  dispense.note = [{ text: `Fill ${fill.fillNumber} of prescription ${info.prescriptionId} (ledger transaction ${fill.transactionId})` }];
  return JSON.stringify(dispense);
}

/** The result of a dispense: the fill, and its MedicationDispense record (or why it could not be written: the fill stands). */
export interface DispenseResult {
  rx: CheckedPrescription;
  fill: CheckedFill;
  dispenseRecordId: string | null;
  dispenseRecordProblem: string | null;
}

export async function dispense(prescriptionId: string, medicineId: string, quantity: number): Promise<DispenseResult> {
  if (!Number.isInteger(quantity) || quantity < 1) throw new PrescriptionCheckError('Dispense a whole number of units, 1 or more.');
  if (!medicineId) throw new PrescriptionCheckError('Name the catalogue medicine the fill is dispensed from.');
  const s = requireSession();
  const pharmacyId = s.tokens.user.organizationId;
  if (!pharmacyId) throw new PrescriptionCheckError('Only a pharmacist of a pharmacy dispenses.');
  const rx = await getPrescription(prescriptionId);
  const opened = await checkPrescriptionSource(rx);
  checkDispensable(rx, quantity);
  const grant = coveringGrant(await listGrants(), rx, s.tokens.user.id);
  if (!grant) throw new PrescriptionCheckError(`You hold no active consent grant from the patient covering prescription ${prescriptionId}.`);
  const transaction = await signTransaction('pharmacy.dispense', {
    prescriptionId, patientId: rx.info.patientId, grantId: grant.id, pharmacyId, fillNumber: String(rx.fillsMade + 1), quantity: String(quantity),
  });
  const txId = toHex(await sha256(fromBase64(transaction.transaction)));
  const info = await api.post<PrescriptionInfo>(`/api/prescriptions/${prescriptionId}/fills`, { transaction, medicineId });
  const after = await checkPrescription(info);
  const fill = after.fills.find((f) => f.transactionId === txId);
  if (!fill) throw new VerificationError(`The server's answer does not list our fill ${txId}.`);
  if (fill.problem) throw new VerificationError(`Our fill's receipt does not verify: ${fill.problem}`);
  // The fill is made; its dispense record follows, sealed for the patient and us (a failure here leaves the fill standing).
  try {
    const json = medicationDispenseJson(opened.json, after.info, fill, s.tokens.user.id);
    const written = await writeRecord({
      patientId: after.info.patientId, category: 'MedicationDispense', contentType: FHIR_CONTENT_TYPE, content: new TextEncoder().encode(json),
      fill: { prescriptionId, fillNumber: fill.fillNumber },
    });
    return { rx: after, fill, dispenseRecordId: written.recordId, dispenseRecordProblem: null };
  } catch (e) {
    return { rx: after, fill, dispenseRecordId: null, dispenseRecordProblem: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * Doctor: write a MedicationRequest for the patient (a sealed record) and put its limits on the ledger with a
 * prescriptions.issue signed here and bound to the version's header hash (WritePrescriptionAsync in the C# SDK).
 * A schedule-II drug with repeats, a validity already ended or a missing dispense quantity is refused before anything
 * is written.
 */
export async function issuePrescription(
  patientId: string, medicationRequestJson: string, onProgress?: (fraction: number) => void,
): Promise<CheckedPrescription> {
  const limits = limitsFromFhir(medicationRequestJson, Date.now());
  if (limits.scheduleII && limits.maxFills > 1) throw new PrescriptionCheckError('A schedule II prescription cannot have refills (numberOfRepeatsAllowed must be 0).');
  if (limits.validUntilMs <= Date.now()) throw new PrescriptionCheckError("The prescription's validity period has already ended.");
  const written = await writeRecord({
    patientId, category: 'MedicationRequest', contentType: FHIR_CONTENT_TYPE, content: new TextEncoder().encode(medicationRequestJson), onProgress,
  });
  const prescriptionId = crypto.randomUUID();
  const transaction = await signTransaction('prescriptions.issue', {
    prescriptionId, recordId: written.recordId, recordVersion: String(written.version), patientId, headerHash: written.headerHash,
    totalUnits: String(limits.totalUnits), maxFills: String(limits.maxFills), validUntilMs: String(limits.validUntilMs),
  });
  const info = await api.post<PrescriptionInfo>('/api/prescriptions', { transaction });
  const issued = await checkPrescription(info);
  if (issued.info.prescriptionId !== prescriptionId || issued.info.recordId !== written.recordId || issued.info.totalUnits !== limits.totalUnits
    || issued.info.maxFills !== limits.maxFills || issued.validUntilMs !== limits.validUntilMs) {
    throw new VerificationError(`The server's answer is not the prescription ${prescriptionId} we issued.`);
  }
  return issued;
}

/** Doctor: cancel a prescription you issued (a prescriptions.cancel signed here); no pharmacy can fill it afterwards. */
export async function cancelPrescription(prescriptionId: string): Promise<CheckedPrescription> {
  const current = await getPrescription(prescriptionId);
  const transaction = await signTransaction('prescriptions.cancel', { prescriptionId, patientId: current.info.patientId });
  const info = await api.post<PrescriptionInfo>(`/api/prescriptions/${prescriptionId}/cancel`, { transaction });
  const after = await checkPrescription(info);
  if (!after.cancelled || after.info.prescriptionId !== prescriptionId) throw new VerificationError(`The server's answer does not show prescription ${prescriptionId} cancelled.`);
  return after;
}
