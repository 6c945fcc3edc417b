import type { RouteDef } from '../../app/router';
import { Audit } from './Audit';
import { BreakGlass } from './BreakGlass';
import { Dashboard } from './Dashboard';
import { Occupancy } from './Occupancy';
import { Organizations } from './Organizations';
import { People } from './People';
import { SecurityEvents } from './SecurityEvents';
import { Verifications } from './Verifications';

export const adminRoutes: RouteDef[] = [
  { path: '/admin/dashboard', title: 'Dashboard', roles: ['PlatformAdmin'], nav: true, component: Dashboard },
  { path: '/admin/verifications', title: 'Verification', roles: ['PlatformAdmin'], nav: true, component: Verifications },
  { path: '/admin/occupancy', title: 'Occupancy', roles: ['PlatformAdmin'], nav: true, component: Occupancy },
  { path: '/admin/break-glass', title: 'Break-glass', roles: ['PlatformAdmin'], nav: true, component: BreakGlass },
  { path: '/admin/audit', title: 'Audit search', roles: ['PlatformAdmin'], nav: true, component: Audit },
  { path: '/admin/people', title: 'Users', roles: ['PlatformAdmin'], nav: true, component: People },
  { path: '/admin/organizations', title: 'Organizations', roles: ['PlatformAdmin'], nav: true, component: Organizations },
  { path: '/admin/security-events', title: 'Security events', roles: ['PlatformAdmin'], nav: true, component: SecurityEvents },
];
