// Appointments (docs/consultations.md; wire shapes and checks as src/MedLedger.Client/AppointmentsClient.cs). The reason is
// sealed here for the doctor's ledger-registered key (admin-verified card) and for the patient; the ledger sees only
// the hash of the doctor's copy. The patient signs appointments.book and appointments.cancel on this device.
import { appointmentReasonHash, fromBase64, openAppointmentReason, sealAppointmentReason, toBase64 } from '../crypto';
import { api } from '../app/http';
import { requireSession } from '../app/session';
import { trustedCard } from './identity';
import { checkReceipt, ledgerReceipt, signTransaction, VerificationError } from './ledger';
import { shareProfileAfterNewRelation } from './profiles';
import { FHIR_CONTENT_TYPE, openRecord, writeRecord, type DecryptedRecord } from './records';
import { receiptTransaction, type LedgerReceipt } from '../ledger';

export type VisitKind = 'InPerson' | 'Remote';
export type AppointmentStatus = 'Booked' | 'Arrived' | 'InProgress' | 'Fulfilled' | 'Cancelled' | 'NoShow';
export type Weekday = 'Sunday' | 'Monday' | 'Tuesday' | 'Wednesday' | 'Thursday' | 'Friday' | 'Saturday';
export const WEEKDAYS: Weekday[] = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

/** Local wall times "HH:mm:ss" in the schedule's zone. */
export interface WorkingHours {
  day: Weekday;
  start: string;
  end: string;
}

export interface ScheduleBreak {
  day: Weekday | null;
  start: string;
  end: string;
}

export interface DoctorSchedule {
  id: string;
  doctorId: string;
  hospitalId: string;
  timeZone: string;
  slotMinutes: number;
  visitKind: VisitKind;
  hours: WorkingHours[];
  breaks: ScheduleBreak[];
  /** "yyyy-MM-dd". */
  leaveDays: string[];
  updatedAt: string;
}

export interface ScheduleInput {
  doctorId: string;
  timeZone: string;
  slotMinutes: number;
  visitKind: VisitKind;
  hours: WorkingHours[];
  breaks?: ScheduleBreak[];
  leaveDays?: string[];
}

/** One free slot (FHIR Slot) in UTC; localStart is the wall time in the schedule's zone. */
export interface FreeSlot {
  scheduleId: string;
  doctorId: string;
  hospitalId: string;
  start: string;
  end: string;
  localStart: string;
  visitKind: VisitKind;
}

export interface DoctorListing {
  doctorId: string;
  displayName: string | null;
  specialty: string | null;
  hospitalId: string;
  hospitalName: string;
  nextSlots: FreeSlot[];
}

export interface Appointment {
  id: string;
  scheduleId: string;
  doctorId: string;
  hospitalId: string;
  patientId: string;
  start: string;
  end: string;
  visitKind: VisitKind;
  status: AppointmentStatus;
  /** Base64 of the reason sealed for the caller (patient or doctor); null for staff. */
  sealedReason: string | null;
  reasonHash: string;
  cancelledBy: string | null;
  bookTransactionId: string;
  lastTransactionId: string | null;
  /** Set once the doctor closed the consultation with advice (appointments.close). */
  encounterRecordId?: string | null;
  carePlanRecordId?: string | null;
  closeTransactionId?: string | null;
}

/** Sets a doctor's schedule at their hospital (the doctor, or that hospital's staff); replaces it whole. */
export function setSchedule(input: ScheduleInput): Promise<DoctorSchedule> {
  return api.put<DoctorSchedule>('/api/appointments/schedules', { ...input, breaks: input.breaks ?? [], leaveDays: input.leaveDays ?? [] });
}

/** The doctor's own schedules, or the staff member's hospital's. */
export function schedules(): Promise<DoctorSchedule[]> {
  return api.get<DoctorSchedule[]>('/api/appointments/schedules');
}

export function findDoctors(filter: { specialty?: string; hospitalId?: string; name?: string } = {}): Promise<DoctorListing[]> {
  const q = new URLSearchParams();
  if (filter.specialty?.trim()) q.set('specialty', filter.specialty.trim());
  if (filter.hospitalId) q.set('hospitalId', filter.hospitalId);
  if (filter.name?.trim()) q.set('name', filter.name.trim());
  const s = q.toString();
  return api.get<DoctorListing[]>(`/api/appointments/doctors${s ? `?${s}` : ''}`);
}

export function freeSlots(doctorId: string, from?: Date, to?: Date): Promise<FreeSlot[]> {
  const q = new URLSearchParams({ doctorId });
  if (from) q.set('from', from.toISOString());
  if (to) q.set('to', to.toISOString());
  return api.get<FreeSlot[]>(`/api/appointments/slots?${q.toString()}`);
}

/**
 * Books [slot.start, end) on the slot's schedule (one slot, or several consecutive ones when `end` is later). The doctor's
 * card must be admin-verified, name this hospital and carry the keys the ledger registered; only then is the reason
 * sealed for that key. Nothing is sent if the check fails.
 */
export async function bookAppointment(slot: FreeSlot, reason: string, end?: string, expectedFingerprint?: string): Promise<Appointment> {
  const s = requireSession();
  const doctor = await trustedCard(slot.doctorId, expectedFingerprint);
  if (doctor.card.role !== 'Doctor' || doctor.card.organizationId !== slot.hospitalId) {
    throw new VerificationError(`Refused: ${slot.doctorId} is not a verified doctor of hospital ${slot.hospitalId}.`);
  }
  const id = crypto.randomUUID();
  const forDoctor = await sealAppointmentReason(doctor.encryptionPublicKey, id, reason);
  const forPatient = await sealAppointmentReason(s.keys.encryption.publicKey, id, reason);
  const until = end ?? slot.end;
  const transaction = await signTransaction('appointments.book', {
    appointmentId: id,
    patientId: s.tokens.user.id,
    doctorId: slot.doctorId,
    hospitalId: slot.hospitalId,
    startMs: String(Date.parse(slot.start)),
    endMs: String(Date.parse(until)),
    reasonHash: await appointmentReasonHash(forDoctor),
  });
  const booked = await api.post<Appointment>('/api/appointments', {
    appointmentId: id, scheduleId: slot.scheduleId, start: slot.start, end: until,
    reasonForDoctor: toBase64(forDoctor), reasonForPatient: toBase64(forPatient), transaction,
  });
  // The booked doctor is now a profile party (BookedDoctor): wrap the patient's profile for them now, so the day view
  // names the patient. Not awaited: checking every party against the ledger takes seconds and the booking already
  // stands (a failure is retried at the next sign-in).
  void shareProfileAfterNewRelation();
  return booked;
}

/** The caller's appointments (patient, doctor) or their hospital's (staff). */
export function appointments(from?: Date, to?: Date): Promise<Appointment[]> {
  const q = new URLSearchParams();
  if (from) q.set('from', from.toISOString());
  if (to) q.set('to', to.toISOString());
  const s = q.toString();
  return api.get<Appointment[]>(`/api/appointments${s ? `?${s}` : ''}`);
}

/** A live appointment: the doctor is expecting the patient (ProfileParties on the server, ProfileRecipientsAsync in C#). */
export const LIVE_APPOINTMENT_STATUSES: readonly AppointmentStatus[] = ['Booked', 'Arrived', 'InProgress'];

/** The caller's whole appointment list; the profile recipient rule reads it to confirm a booked doctor. */
export const myAppointments = (signal?: AbortSignal) => api.get<Appointment[]>('/api/appointments', { signal });

export function appointment(id: string): Promise<Appointment> {
  return api.get<Appointment>(`/api/appointments/${id}`);
}

/** A patient signs appointments.cancel here; a doctor's or staff member's cancellation is recorded by the server's peer. */
export async function cancelAppointment(id: string, asPatient: boolean): Promise<Appointment> {
  const transaction = asPatient ? await signTransaction('appointments.cancel', { appointmentId: id }) : null;
  return api.post<Appointment>(`/api/appointments/${id}/cancel`, { transaction });
}

export function setAppointmentStatus(id: string, status: AppointmentStatus): Promise<Appointment> {
  return api.post<Appointment>(`/api/appointments/${id}/status`, { status });
}

/**
 * The reason as sealed for the caller. The doctor first checks that their copy is the one whose hash the patient signed
 * into appointments.book (the server could otherwise swap in a reason of its own sealed to the doctor's public key).
 */
export async function openReason(a: Appointment): Promise<string> {
  const s = requireSession();
  if (!a.sealedReason) throw new Error('No reason is sealed for you on this appointment.');
  const sealed = fromBase64(a.sealedReason);
  if (s.tokens.user.id === a.doctorId && (await appointmentReasonHash(sealed)) !== a.reasonHash) {
    throw new VerificationError("The sealed reason is not the one the booking's reasonHash names.");
  }
  return openAppointmentReason(s.keys.encryption, a.id, sealed);
}

// ---------- closing a consultation with advice (AppointmentsClient.cs CloseConsultationAsync / OpenConsultationAdviceAsync) ----------

function escapeXhtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** The outcome as an Encounter's narrative (R4 Encounter has no note), as ConsultationOutcome.Encounter in C#. */
export function consultationEncounter(patientId: string, outcome: string, remote: boolean): string {
  return JSON.stringify({
    resourceType: 'Encounter',
    text: { status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml">${escapeXhtml(outcome)}</div>` },
    status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: remote ? 'VR' : 'AMB' },
    subject: { reference: `Patient/${patientId}` },
  });
}

/** The advice as a CarePlan's description, as ConsultationOutcome.CarePlan in C#. */
export function consultationCarePlan(patientId: string, advice: string, followUp?: string): string {
  const plan: Record<string, unknown> = { resourceType: 'CarePlan', status: 'active', intent: 'plan', subject: { reference: `Patient/${patientId}` }, description: advice };
  // A follow-up visit is an activity inside the sealed advice (ConsultationOutcome.WithFollowUp in the C# SDK).
  if (followUp) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(followUp)) throw new Error('The follow-up date must be a date (yyyy-mm-dd).');
    plan.activity = [{ detail: { kind: 'Appointment', status: 'scheduled', scheduledPeriod: { start: followUp }, description: `Follow-up visit on ${followUp}` } }];
  }
  return JSON.stringify(plan);
}

/**
 * The doctor closes a visit: the outcome (Encounter) and the advice (CarePlan) are sealed here as records in the patient's
 * record set whose records.write names the appointment, then the doctor signs appointments.close naming both records
 * and their ciphertext hashes. A booked visit is first marked in progress (records are written in a visit under way).
 * An optional follow-up date (yyyy-mm-dd) goes into the CarePlan as a scheduled activity.
 */
export async function closeConsultation(appointmentId: string, outcome: string, advice: string, followUp?: string): Promise<Appointment> {
  const s = requireSession();
  if (!outcome.trim() || !advice.trim()) throw new Error('Write both the outcome and the advice.');
  let a = await appointment(appointmentId);
  if (a.doctorId !== s.tokens.user.id) throw new Error("Only the appointment's doctor closes the consultation.");
  if (a.status === 'Booked') a = await setAppointmentStatus(appointmentId, 'InProgress');
  const encoder = new TextEncoder();
  const write = (category: string, json: string) =>
    writeRecord({ patientId: a.patientId, category, contentType: FHIR_CONTENT_TYPE, content: encoder.encode(json), appointmentId });
  const encounter = await write('Encounter', consultationEncounter(a.patientId, outcome, a.visitKind === 'Remote'));
  const carePlan = await write('CarePlan', consultationCarePlan(a.patientId, advice, followUp));
  const transaction = await signTransaction('appointments.close', {
    appointmentId,
    patientId: a.patientId,
    encounterRecordId: encounter.recordId,
    encounterHash: encounter.ciphertextHash,
    carePlanRecordId: carePlan.recordId,
    carePlanHash: carePlan.ciphertextHash,
  });
  return api.post<Appointment>(`/api/appointments/${appointmentId}/close`, { transaction });
}

/** A closed consultation's outcome as checked on this device. */
export interface ConsultationAdvice {
  appointment: Appointment;
  encounter: DecryptedRecord;
  carePlan: DecryptedRecord;
  /** The words: the Encounter's narrative as text, the CarePlan's description and activities. */
  outcome: string;
  advice: string[];
  closedAt: Date;
  closeReceipt: LedgerReceipt;
}

/**
 * The patient opens a closed consultation's advice and proves it: the appointments.close receipt verifies against the
 * pinned peer key and names this appointment, its doctor as signer and the two records; each record opens (its own
 * anchor and the author's ledger key checked), and its records.write names the appointment and the hash the close named.
 */
export async function openConsultationAdvice(appointmentId: string): Promise<ConsultationAdvice> {
  const a = await appointment(appointmentId);
  if (!a.closeTransactionId || !a.encounterRecordId || !a.carePlanRecordId) throw new Error('This consultation has not been closed with advice.');
  const receipt = await ledgerReceipt(a.closeTransactionId);
  await checkReceipt(receipt);
  const close = await receiptTransaction(receipt);
  if (
    close.id !== a.closeTransactionId || close.type !== 'appointments.close' || close.actorId !== a.doctorId || close.payload.appointmentId !== a.id ||
    close.payload.patientId !== a.patientId || close.payload.encounterRecordId !== a.encounterRecordId || close.payload.carePlanRecordId !== a.carePlanRecordId
  ) {
    throw new VerificationError("The server's appointments.close does not match this appointment, its doctor or its records.");
  }
  const encounter = await openAdviceRecord(a.encounterRecordId, 'Encounter', close.payload.encounterHash, a);
  const carePlan = await openAdviceRecord(a.carePlanRecordId, 'CarePlan', close.payload.carePlanHash, a);
  const decoder = new TextDecoder();
  const enc = JSON.parse(decoder.decode(encounter.content)) as { text?: { div?: string } };
  const plan = JSON.parse(decoder.decode(carePlan.content)) as { description?: string; activity?: { detail?: { description?: string } }[] };
  // The narrative is sealed content: read as text (DOMParser, never inserted as HTML).
  const outcome = new DOMParser().parseFromString(enc.text?.div ?? '', 'text/html').body.textContent?.trim() ?? '';
  const advice = [plan.description ?? '', ...(plan.activity ?? []).map((x) => x.detail?.description ?? '').filter((x) => x)].filter((x) => x);
  return { appointment: a, encounter, carePlan, outcome, advice, closedAt: new Date(close.timestampMs), closeReceipt: receipt };
}

async function openAdviceRecord(recordId: string, category: string, closedHash: string | undefined, a: Appointment): Promise<DecryptedRecord> {
  const record = await openRecord(recordId, 1);
  const anchor = await ledgerReceipt(record.ledgerTransactionId);
  await checkReceipt(anchor);
  const write = await receiptTransaction(anchor);
  if (
    record.authorId !== a.doctorId || record.category !== category || write.type !== 'records.write' || write.id !== record.ledgerTransactionId ||
    write.payload.recordId !== recordId || write.payload.appointmentId !== a.id || write.payload.ciphertextHash !== closedHash
  ) {
    throw new VerificationError(`Record ${recordId} is not the ${category} the doctor named when closing this consultation.`);
  }
  return record;
}
