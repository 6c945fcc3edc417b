import type { RouteDef } from '../../app/router';
import { WalletPage } from './WalletPage';

export const walletRoutes: RouteDef[] = [{ path: '/wallet', title: 'Wallet', roles: ['Patient'], nav: true, component: WalletPage }];
