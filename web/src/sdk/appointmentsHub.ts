// Live appointment changes over SignalR (/hubs/appointments) through the shared hub connection (liveHub.ts): a doctor
// hears of their appointments, hospital staff of their hospital's, a patient of their own (AppointmentsHub).
import { liveHub, type LiveListener } from './liveHub';

/**
 * "appointment": which appointment changed. The event also carries times and status, but SignalR's JSON protocol
 * writes the status as a number, unlike the API; screens re-read the appointment or list instead of trusting it.
 */
export interface AppointmentEvent {
  id: string;
  doctorId: string;
  patientId: string;
  hospitalId: string;
}

export interface AppointmentsListener extends LiveListener {
  onAppointment?: (e: AppointmentEvent) => void;
}

const hub = liveHub<AppointmentsListener>('/hubs/appointments', (c, listeners) => {
  c.on('appointment', (e: AppointmentEvent) => listeners.forEach((l) => l.onAppointment?.(e)));
});

export const appointmentsLiveState = hub.state;

/** Receives appointment changes the caller may see until the returned function is called. */
export const watchAppointments = hub.watch;
