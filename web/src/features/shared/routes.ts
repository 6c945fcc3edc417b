import type { RouteDef } from '../../app/router';
import { SharedRecords } from './SharedRecords';

// Pharmacists and insurer staff: the records patients shared with them (their own modules come later).
export const sharedRoutes: RouteDef[] = [
  { path: '/shared/records', title: 'Shared with me', roles: ['Pharmacist', 'InsurerStaff'], nav: true, component: SharedRecords },
];
