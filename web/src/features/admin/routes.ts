import type { RouteDef } from '../../app/router';

export const adminRoutes: RouteDef[] = [];
