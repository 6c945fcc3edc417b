import type { RouteDef } from '../../app/router';
import { AccountPage } from './AccountPage';
import { LoginPage } from './LoginPage';
import { RecoverPage } from './RecoverPage';
import { SignupPage } from './SignupPage';

// No navigation entries: the app shell links Sign in, Create account and Account itself.
export const authRoutes: RouteDef[] = [
  { path: '/login', title: 'Sign in', roles: 'public', component: LoginPage },
  { path: '/signup', title: 'Create an account', roles: 'public', component: SignupPage },
  { path: '/recover', title: 'Recover your account', roles: 'public', component: RecoverPage },
  { path: '/account', title: 'Account', roles: 'any', component: AccountPage },
];
