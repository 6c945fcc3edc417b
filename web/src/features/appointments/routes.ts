import type { RouteDef } from '../../app/router';
import { Appointments } from './Appointments';
import { FindDoctor } from './FindDoctor';
import { Schedule } from './Schedule';

export const appointmentsRoutes: RouteDef[] = [
  { path: '/appointments/find', title: 'Find a doctor', roles: ['Patient'], nav: true, component: FindDoctor },
  { path: '/appointments', title: 'Appointments', roles: ['Patient', 'Doctor', 'HospitalStaff'], nav: true, component: Appointments },
  { path: '/appointments/schedule', title: 'Schedule', roles: ['Doctor', 'HospitalStaff'], nav: true, component: Schedule },
];
