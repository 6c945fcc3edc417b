import type { RouteDef } from '../../app/router';

export const authRoutes: RouteDef[] = [];
