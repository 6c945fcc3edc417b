import type { RouteDef } from '../../app/router';
import { FindMedicine } from './FindMedicine';
import { PharmacyRecords } from './PharmacyRecords';
import { PharmacyStock } from './PharmacyStock';

export const pharmacyRoutes: RouteDef[] = [
  { path: '/pharmacy/stock', title: 'Stock', roles: ['Pharmacist'], nav: true, component: PharmacyStock },
  { path: '/pharmacy/records', title: 'Records', roles: ['Pharmacist'], nav: true, component: PharmacyRecords },
  { path: '/medicines', title: 'Find a medicine', roles: ['Patient'], nav: true, component: FindMedicine },
];
