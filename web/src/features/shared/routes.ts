import type { RouteDef } from '../../app/router';

export const sharedRoutes: RouteDef[] = [];
