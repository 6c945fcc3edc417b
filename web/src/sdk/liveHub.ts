// One live SignalR connection per hub and tab, shared by every screen that listens (messagesHub.ts, appointmentsHub.ts):
// started with a single-use hub ticket, and Watch called again after every reconnect because the server forgets groups
// with the old connection. Events carry ids; a screen then re-reads what it shows, so a reconnecting screen is current.
import { HttpTransportType, HubConnectionBuilder, HubConnectionState, LogLevel, type HubConnection } from '@microsoft/signalr';
import { effect, signal, type Signal } from '@preact/signals';
import { api } from '../app/http';
import { session } from '../app/session';
import type { LiveState } from './bedsHub';

export interface LiveListener {
  /** Called once watching (again): anything sent while not watching may have been missed, so re-read. */
  onLive?: () => void;
}

export interface LiveHub<L extends LiveListener> {
  /** Connection state for the "live" indicator. */
  state: Signal<LiveState>;
  /** Receives the hub's events for the signed-in user until the returned function is called. */
  watch: (listener: L) => () => void;
}

/**
 * A browser cannot put headers on a WebSocket, so the credential travels in the URL: a single-use ticket good for 30
 * seconds, fetched (with the bearer token in a header) for every connection attempt, never the bearer token itself.
 */
async function hubTicket(): Promise<string> {
  return (await api.post<{ ticket: string }>('/api/auth/hub-ticket')).ticket;
}

/** A hub at `path` whose events `bind` hands to the current listeners. */
export function liveHub<L extends LiveListener>(path: string, bind: (c: HubConnection, listeners: ReadonlySet<L>) => void): LiveHub<L> {
  const state = signal<LiveState>('idle');
  const listeners = new Set<L>();
  let connection: HubConnection | null = null;
  let starting: Promise<void> | null = null;
  let restartTimer: number | undefined;
  let stopTimer: number | undefined;

  async function watchOn(c: HubConnection): Promise<void> {
    try {
      await c.invoke('Watch');
      if (c.state === HubConnectionState.Connected) {
        state.value = 'live';
        listeners.forEach((l) => l.onLive?.());
      }
    } catch {
      state.value = 'offline';
    }
  }

  function scheduleRestart(): void {
    window.clearTimeout(restartTimer);
    restartTimer = window.setTimeout(() => void ensureStarted(), 5_000);
  }

  function build(): HubConnection {
    const c = new HubConnectionBuilder()
      .withUrl(path, { accessTokenFactory: hubTicket, transport: HttpTransportType.WebSockets, skipNegotiation: true })
      // Keep retrying (capped back-off) instead of SignalR's default of giving up after four tries.
      .withAutomaticReconnect({ nextRetryDelayInMilliseconds: (ctx) => Math.min(30_000, 1_000 * 2 ** Math.min(ctx.previousRetryCount, 5)) })
      // Warnings only: no message payloads in the console.
      .configureLogging(LogLevel.Warning)
      .build();
    bind(c, listeners);
    c.onreconnecting(() => (state.value = 'reconnecting'));
    c.onreconnected(() => void watchOn(c));
    c.onclose(() => {
      state.value = listeners.size > 0 ? 'offline' : 'idle';
      connection = null;
      if (listeners.size > 0 && session.value) scheduleRestart();
    });
    return c;
  }

  async function ensureStarted(): Promise<void> {
    if (!session.value || starting) return;
    if (connection && connection.state !== HubConnectionState.Disconnected) return;
    const c = (connection = build());
    state.value = 'connecting';
    starting = c
      .start()
      .then(() => watchOn(c))
      .catch(() => {
        state.value = 'offline';
        connection = null;
        if (listeners.size > 0) scheduleRestart();
      })
      .finally(() => (starting = null));
    await starting;
  }

  async function stopNow(): Promise<void> {
    if (listeners.size > 0) return;
    window.clearTimeout(restartTimer);
    const c = connection;
    connection = null;
    state.value = 'idle';
    if (c) await c.stop().catch(() => undefined);
  }

  // Signing out ends the live connection at once (its ticket belonged to the old session).
  effect(() => {
    if (!session.value && connection) {
      listeners.clear();
      void stopNow();
    }
  });

  return {
    state,
    watch(listener: L): () => void {
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
    },
  };
}
