// Live message events over SignalR (/hubs/messages), as bedsHub.ts does for beds: one connection per tab shared by
// every screen that listens, started with a single-use hub ticket, and Watch called again after every reconnect because
// the server forgets groups with the old connection. Events carry ids only; a screen then fetches and opens the message
// itself, so a reconnecting screen re-reads what it shows.
import { HttpTransportType, HubConnectionBuilder, HubConnectionState, LogLevel, type HubConnection } from '@microsoft/signalr';
import { effect, signal } from '@preact/signals';
import { api } from '../app/http';
import { session } from '../app/session';
import type { LiveState } from './bedsHub';

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

export interface MessagesListener {
  onMessage?: (e: MessageEvent) => void;
  onRead?: (e: ReadEvent) => void;
  /** Called once watching (again): anything sent while not watching may have been missed, so re-read. */
  onLive?: () => void;
}

export const messagesLiveState = signal<LiveState>('idle');

const listeners = new Set<MessagesListener>();
let connection: HubConnection | null = null;
let starting: Promise<void> | null = null;
let restartTimer: number | undefined;
let stopTimer: number | undefined;

async function hubTicket(): Promise<string> {
  return (await api.post<{ ticket: string }>('/api/auth/hub-ticket')).ticket;
}

async function watch(c: HubConnection): Promise<void> {
  try {
    await c.invoke('Watch');
    if (c.state === HubConnectionState.Connected) {
      messagesLiveState.value = 'live';
      listeners.forEach((l) => l.onLive?.());
    }
  } catch {
    messagesLiveState.value = 'offline';
  }
}

function build(): HubConnection {
  const c = new HubConnectionBuilder()
    .withUrl('/hubs/messages', { accessTokenFactory: hubTicket, transport: HttpTransportType.WebSockets, skipNegotiation: true })
    .withAutomaticReconnect({ nextRetryDelayInMilliseconds: (ctx) => Math.min(30_000, 1_000 * 2 ** Math.min(ctx.previousRetryCount, 5)) })
    .configureLogging(LogLevel.Warning)
    .build();
  c.on('message', (e: MessageEvent) => listeners.forEach((l) => l.onMessage?.(e)));
  c.on('read', (e: ReadEvent) => listeners.forEach((l) => l.onRead?.(e)));
  c.onreconnecting(() => (messagesLiveState.value = 'reconnecting'));
  c.onreconnected(() => void watch(c));
  c.onclose(() => {
    messagesLiveState.value = listeners.size > 0 ? 'offline' : 'idle';
    connection = null;
    if (listeners.size > 0 && session.value) {
      window.clearTimeout(restartTimer);
      restartTimer = window.setTimeout(() => void ensureStarted(), 5_000);
    }
  });
  return c;
}

async function ensureStarted(): Promise<void> {
  if (!session.value || starting) return;
  if (connection && connection.state !== HubConnectionState.Disconnected) return;
  const c = (connection = build());
  messagesLiveState.value = 'connecting';
  starting = c
    .start()
    .then(() => watch(c))
    .catch(() => {
      messagesLiveState.value = 'offline';
      connection = null;
      if (listeners.size > 0) {
        window.clearTimeout(restartTimer);
        restartTimer = window.setTimeout(() => void ensureStarted(), 5_000);
      }
    })
    .finally(() => (starting = null));
  await starting;
}

async function stopNow(): Promise<void> {
  if (listeners.size > 0) return;
  window.clearTimeout(restartTimer);
  const c = connection;
  connection = null;
  messagesLiveState.value = 'idle';
  if (c) await c.stop().catch(() => undefined);
}

/** Receives the caller's message and read events until the returned function is called. */
export function watchMessages(listener: MessagesListener): () => void {
  listeners.add(listener);
  window.clearTimeout(stopTimer);
  if (connection?.state === HubConnectionState.Connected) listener.onLive?.();
  else void ensureStarted();
  return () => {
    listeners.delete(listener);
    window.clearTimeout(stopTimer);
    // Moving between screens keeps the connection a moment.
    if (listeners.size === 0) stopTimer = window.setTimeout(() => void stopNow(), 3_000);
  };
}

// Signing out ends the live connection at once (its ticket belonged to the old session).
effect(() => {
  if (!session.value && connection) {
    listeners.clear();
    void stopNow();
  }
});
