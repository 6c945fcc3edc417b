import type { RouteDef } from '../../app/router';
import { DispensePage } from './DispensePage';
import { IssuedPrescriptions } from './IssuedPrescriptions';
import { MyPrescriptions } from './MyPrescriptions';

export const dispensingRoutes: RouteDef[] = [
  { path: '/pharmacy/dispense', title: 'Dispense', roles: ['Pharmacist'], nav: true, component: DispensePage },
  { path: '/patient/prescriptions', title: 'My prescriptions', roles: ['Patient'], nav: true, component: MyPrescriptions },
  { path: '/doctor/prescriptions', title: 'Prescriptions issued', roles: ['Doctor'], nav: true, component: IssuedPrescriptions },
];
