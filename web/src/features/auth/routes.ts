import type { RouteDef } from '../../app/router';
import { LoginPage } from './LoginPage';

export const authRoutes: RouteDef[] = [{ path: '/login', title: 'Sign in', roles: 'public', component: LoginPage }];
