import type { RouteDef } from '../../app/router';
import { CorrectionRequestsPage } from './CorrectionRequestsPage';
import { EmergencyAccess } from './EmergencyAccess';
import { MyPatients } from './MyPatients';
import { PatientRecords } from './PatientRecords';

export const doctorRoutes: RouteDef[] = [
  { path: '/doctor/patients', title: 'My patients', roles: ['Doctor'], nav: true, component: MyPatients },
  { path: '/doctor/patients/:patientId', title: 'Patient', roles: ['Doctor'], component: PatientRecords },
  { path: '/doctor/emergency', title: 'Emergency access', roles: ['Doctor'], nav: true, component: EmergencyAccess },
  { path: '/doctor/amendments', title: 'Correction requests', roles: ['Doctor'], nav: true, component: CorrectionRequestsPage },
];
