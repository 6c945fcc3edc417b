import type { RouteDef } from '../../app/router';

export const hospitalsRoutes: RouteDef[] = [];
