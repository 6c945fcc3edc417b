import type { RouteDef } from '../../app/router';
import { RecordsPage } from './RecordsPage';
import { SharingPage } from './SharingPage';
import { AccessLogPage } from './AccessLogPage';
import { EmergencyPage } from './EmergencyPage';
import { MyProfilePage } from './MyProfilePage';
import { FhirImportPage } from './FhirImportPage';

export const patientRoutes: RouteDef[] = [
  { path: '/patient/records', title: 'My records', roles: ['Patient'], nav: true, component: RecordsPage },
  { path: '/patient/sharing', title: 'Sharing', roles: ['Patient'], nav: true, component: SharingPage },
  { path: '/patient/access-log', title: 'Access log', roles: ['Patient'], nav: true, component: AccessLogPage },
  { path: '/patient/emergency', title: 'Emergency', roles: ['Patient'], nav: true, component: EmergencyPage },
  { path: '/patient/profile', title: 'My profile', roles: ['Patient'], nav: true, component: MyProfilePage },
  { path: '/patient/import', title: 'Import FHIR', roles: ['Patient'], nav: true, component: FhirImportPage },
];
