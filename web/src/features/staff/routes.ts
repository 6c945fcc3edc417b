import type { RouteDef } from '../../app/router';
import { StaffBeds } from './StaffBeds';
import { StaffBookings } from './StaffBookings';
import { StaffDoctors } from './StaffDoctors';
import { StaffProfile } from './StaffProfile';
import { OrganizationCardPage } from './OrganizationCardForm';

export const staffRoutes: RouteDef[] = [
  { path: '/staff/beds', title: 'Beds', roles: ['HospitalStaff'], nav: true, component: StaffBeds },
  { path: '/staff/bookings', title: 'Bookings', roles: ['HospitalStaff'], nav: true, component: StaffBookings },
  { path: '/staff/doctors', title: 'Doctors', roles: ['HospitalStaff'], nav: true, component: StaffDoctors },
  { path: '/staff/profile', title: 'Hospital profile', roles: ['HospitalStaff'], nav: true, component: StaffProfile },
  { path: '/organization/card', title: 'Organization card', roles: ['Pharmacist', 'InsurerStaff'], nav: true, component: OrganizationCardPage },
];
