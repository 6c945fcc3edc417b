// Live message events over SignalR (/hubs/messages) through the shared hub connection (liveHub.ts). Events carry ids
// only; a screen then fetches and opens the message itself, so a reconnecting screen re-reads what it shows.
import { liveHub, type LiveListener } from './liveHub';

/** "message": a new message in one of the caller's conversations (MessageEvent). */
export interface MessageEvent {
  conversationId: string;
  seq: number;
  clientMessageId: string;
  senderId: string;
}

/** "read": a participant's read marker moved (ReadEvent). */
export interface ReadEvent {
  conversationId: string;
  userId: string;
  readUpTo: number;
}

export interface MessagesListener extends LiveListener {
  onMessage?: (e: MessageEvent) => void;
  onRead?: (e: ReadEvent) => void;
}

const hub = liveHub<MessagesListener>('/hubs/messages', (c, listeners) => {
  c.on('message', (e: MessageEvent) => listeners.forEach((l) => l.onMessage?.(e)));
  c.on('read', (e: ReadEvent) => listeners.forEach((l) => l.onRead?.(e)));
});

export const messagesLiveState = hub.state;

/** Receives the caller's message and read events until the returned function is called. */
export const watchMessages = hub.watch;
