// Appointments as the caller's own list (src/MedLedger.Client/AppointmentsClient.cs AppointmentsAsync). There is no
// appointments screen in the browser yet; the profile recipient rule reads this list to confirm a booked doctor.
import { api } from '../app/http';

export type AppointmentStatus = 'Booked' | 'Arrived' | 'InProgress' | 'Fulfilled' | 'Cancelled' | 'NoShow';

/** GET /api/appointments (AppointmentResponse): the fields the browser reads; the sealed reason stays unopened. */
export interface Appointment {
  id: string;
  doctorId: string;
  hospitalId: string;
  patientId: string;
  start: string;
  end: string;
  status: AppointmentStatus;
}

/** A live appointment: the doctor is expecting the patient (ProfileParties on the server, ProfileRecipientsAsync in C#). */
export const LIVE_APPOINTMENT_STATUSES: readonly AppointmentStatus[] = ['Booked', 'Arrived', 'InProgress'];

/** The caller's appointments (a patient's own, a doctor's own, or a staff member's hospital's). */
export const myAppointments = (signal?: AbortSignal) => api.get<Appointment[]>('/api/appointments', { signal });
