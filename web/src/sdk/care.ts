// Care assignments (src/MedLedger.Client/CareClient.cs): hospital staff sign care.assign /
// care.unassign on this device; the ledger's care state is what later lets the doctor read records.
// An assignment rests on a relationship the patient created: care.register (signed here by the patient)
// or a bed booking at that hospital; the care.assign contract refuses it otherwise.
import { api } from '../app/http';
import { requireSession } from '../app/session';
import { signTransaction, VerificationError } from './ledger';
import { cardLine, trustedCard } from './identity';
import { shareProfileAfterNewRelation } from './profiles';

export interface CareAssignment {
  patientId: string;
  doctorId: string;
  hospitalId: string;
  assignedBy: string;
  assignedAt: string;
  transactionId: string;
}

function ownHospital(): string {
  const hospitalId = requireSession().tokens.user.organizationId;
  if (!hospitalId) throw new Error('Only hospital staff assign doctors.');
  return hospitalId;
}

// Same payload keys as the SDK's CareTransaction: doctorId, patientId, hospitalId (the staff member's own).
function careTransaction(type: 'care.assign' | 'care.unassign', doctorId: string, patientId: string) {
  return signTransaction(type, { doctorId, patientId, hospitalId: ownHospital() });
}

/** Assigns a doctor whose card an admin's own signature verifies (and has the pinned fingerprint, if given); otherwise nothing is sent. */
export async function assignDoctor(doctorId: string, patientId: string, expectedFingerprint?: string): Promise<CareAssignment> {
  const doctor = await trustedCard(doctorId, expectedFingerprint);
  if (doctor.card.role !== 'Doctor') throw new VerificationError(`Refused: ${cardLine(doctor)} is not a doctor.`);
  return api.post<CareAssignment>('/api/care/assignments', { transaction: await careTransaction('care.assign', doctorId, patientId) });
}

export async function unassignDoctor(doctorId: string, patientId: string): Promise<void> {
  await api.post<void>('/api/care/assignments/remove', { transaction: await careTransaction('care.unassign', doctorId, patientId) });
}

export const careAssignments = (signal?: AbortSignal) => api.get<CareAssignment[]>('/api/care/assignments', { signal });

export interface CareRegistration {
  patientId: string;
  hospitalId: string;
  registeredAt: string;
  transactionId: string;
}

/** A patient staff may assign a doctor to: registered with the hospital and/or holding or admitted on one of its beds (ids only). */
export interface RelatedPatient {
  patientId: string;
  registered: boolean;
  booked: boolean;
}

// Same payload keys as the SDK's RegistrationTransaction: patientId (the signed-in patient), hospitalId.
function registrationTransaction(type: 'care.register' | 'care.withdraw', hospitalId: string) {
  return signTransaction(type, { patientId: requireSession().tokens.user.id, hospitalId });
}

/** Patient: register with a hospital so its staff may assign its doctors to you. */
export async function registerWithHospital(hospitalId: string): Promise<CareRegistration> {
  const registration = await api.post<CareRegistration>('/api/care/registrations', { transaction: await registrationTransaction('care.register', hospitalId) });
  // The hospital's verified staff are now the patient's parties: they get the profile too.
  await shareProfileAfterNewRelation();
  return registration;
}

/** Patient: withdraw the registration; the hospital's staff can no longer assign doctors to you on its basis. */
export async function withdrawHospitalRegistration(hospitalId: string): Promise<void> {
  await api.post<void>('/api/care/registrations/withdraw', { transaction: await registrationTransaction('care.withdraw', hospitalId) });
}

export const myHospitalRegistrations = (signal?: AbortSignal) => api.get<CareRegistration[]>('/api/care/registrations', { signal });

/** Staff: the patients who created a relationship with the caller's hospital, the only ones a doctor can be assigned to. */
export const relatedPatients = (signal?: AbortSignal) => api.get<RelatedPatient[]>('/api/care/patients', { signal });
