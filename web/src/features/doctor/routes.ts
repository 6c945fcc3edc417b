import type { RouteDef } from '../../app/router';

export const doctorRoutes: RouteDef[] = [];
