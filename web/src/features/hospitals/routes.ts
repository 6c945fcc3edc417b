import type { RouteDef } from '../../app/router';
import { HospitalDetail } from './HospitalDetail';
import { HospitalSearch } from './HospitalSearch';
import { MyBookings } from './MyBookings';

export const hospitalsRoutes: RouteDef[] = [
  { path: '/hospitals', title: 'Hospitals', roles: ['Patient'], nav: true, component: HospitalSearch },
  // Any signed-in user may read a hospital's profile; booking and reviewing are offered to patients only.
  { path: '/hospitals/:id', title: 'Hospital', roles: 'any', component: HospitalDetail },
  { path: '/bookings', title: 'My bookings', roles: ['Patient'], nav: true, component: MyBookings },
];
