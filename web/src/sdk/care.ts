// Care assignments (src/MedLedger.Client/CareClient.cs): hospital staff sign care.assign /
// care.unassign on this device; the ledger's care state is what later lets the doctor read records.
import { api } from '../app/http';
import { requireSession } from '../app/session';
import { signTransaction, VerificationError } from './ledger';
import { cardLine, trustedCard } from './identity';

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
