import type { RouteDef } from '../../app/router';

export const patientRoutes: RouteDef[] = [];
