import type { RouteDef } from '../../app/router';
import { MyOrders } from './MyOrders';
import { OrderQueue } from './OrderQueue';
import { OrderShop } from './OrderShop';

export const ordersRoutes: RouteDef[] = [
  { path: '/orders/new', title: 'Order medicines', roles: ['Patient'], nav: true, component: OrderShop },
  { path: '/orders', title: 'My orders', roles: ['Patient'], nav: true, component: MyOrders },
  { path: '/pharmacy/orders', title: 'Orders', roles: ['Pharmacist'], nav: true, component: OrderQueue },
];
