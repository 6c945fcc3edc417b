import type { RouteDef } from '../../app/router';

export const staffRoutes: RouteDef[] = [];
