import type { Role } from './http';
import type { RouteDef } from './router';
import { authRoutes } from '../features/auth/routes';
import { patientRoutes } from '../features/patient/routes';
import { doctorRoutes } from '../features/doctor/routes';
import { staffRoutes } from '../features/staff/routes';
import { adminRoutes } from '../features/admin/routes';
import { sharedRoutes } from '../features/shared/routes';
import { hospitalsRoutes } from '../features/hospitals/routes';
import { pharmacyRoutes } from '../features/pharmacy/routes';
import { appointmentsRoutes } from '../features/appointments/routes';
import { messagesRoutes } from '../features/messages/routes';
import { dispensingRoutes } from '../features/dispensing/routes';
import { walletRoutes } from '../features/wallet/routes';
import { ordersRoutes } from '../features/orders/routes';
import { insuranceRoutes } from '../features/insurance/routes';

// Each feature folder owns its screens; this list only puts them together (first match wins).
export const routes: RouteDef[] = [...authRoutes, ...patientRoutes, ...doctorRoutes, ...staffRoutes, ...adminRoutes, ...hospitalsRoutes, ...sharedRoutes, ...pharmacyRoutes, ...appointmentsRoutes, ...messagesRoutes, ...dispensingRoutes, ...walletRoutes, ...ordersRoutes, ...insuranceRoutes];

/** Where a role lands after sign-in (its first navigation entry). */
export function homeFor(role: Role): string {
  const first = routes.find((r) => r.nav && Array.isArray(r.roles) && r.roles.includes(role));
  return first?.path ?? '/account';
}
