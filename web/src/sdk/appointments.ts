// Appointments (docs/consultations.md; wire shapes and checks as src/MedLedger.Client/AppointmentsClient.cs). The reason is
// sealed here for the doctor's ledger-registered key (admin-verified card) and for the patient; the ledger sees only
// the hash of the doctor's copy. The patient signs appointments.book and appointments.cancel on this device.
import { appointmentReasonHash, fromBase64, openAppointmentReason, sealAppointmentReason, toBase64 } from '../crypto';
import { api } from '../app/http';
import { requireSession } from '../app/session';
import { trustedCard } from './identity';
import { signTransaction, VerificationError } from './ledger';
import { shareProfileAfterNewRelation } from './profiles';

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
