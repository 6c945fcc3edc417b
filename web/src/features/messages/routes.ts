import type { RouteDef } from '../../app/router';
import { ConversationPage } from './ConversationPage';
import { Conversations } from './Conversations';

export const messagesRoutes: RouteDef[] = [
  { path: '/messages', title: 'Messages', roles: ['Patient', 'Doctor'], nav: true, component: Conversations },
  { path: '/messages/:conversationId', title: 'Conversation', roles: ['Patient', 'Doctor'], component: ConversationPage },
];
