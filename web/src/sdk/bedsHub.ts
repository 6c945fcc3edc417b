// Live bed counts over SignalR (/hubs/beds). One connection per tab, shared by every screen that
// watches: hospital watches are reference-counted, and after any reconnect every watched hospital
// (and the admin overview) is watched again, because the server forgets groups with the old connection.
// Pushes carry whole snapshots, so a re-watch is all a reconnecting client needs to be current.
import { HttpTransportType, HubConnectionBuilder, HubConnectionState, LogLevel, type HubConnection } from '@microsoft/signalr';
import { effect, signal } from '@preact/signals';
import { api } from '../app/http';
import { session } from '../app/session';
import type { AdminBedOverview, BedSnapshot, HospitalOccupancy } from './hospitals';

export type LiveState = 'idle' | 'connecting' | 'live' | 'reconnecting' | 'offline';

/** Connection state for the "live" indicator. */
export const liveState = signal<LiveState>('idle');

type SnapshotListener = (snapshot: BedSnapshot) => void;
interface OverviewListener {
  onOverview: (overview: AdminBedOverview) => void;
  onRow: (row: HospitalOccupancy) => void;
}

const hospitalListeners = new Map<string, Set<SnapshotListener>>();
const overviewListeners = new Set<OverviewListener>();
let connection: HubConnection | null = null;
let starting: Promise<void> | null = null;
let restartTimer: number | undefined;
/** Watch calls on a connected hub not answered yet: the indicator says "live" only when there are none. */
let pendingWatches = 0;

function anyListener(): boolean {
  return hospitalListeners.size > 0 || overviewListeners.size > 0;
}

/**
 * A browser cannot put headers on a WebSocket, so the hub's credential travels in the URL. That is a single-use
 * ticket good for 30 seconds, fetched (with the bearer token in a header) for every connection attempt, never the
 * bearer token itself. WebSockets without negotiation: the connect request is the only one that carries it.
 */
async function hubTicket(): Promise<string> {
  return (await api.post<{ ticket: string }>('/api/auth/hub-ticket')).ticket;
}

function build(): HubConnection {
  const c = new HubConnectionBuilder()
    .withUrl('/hubs/beds', { accessTokenFactory: hubTicket, transport: HttpTransportType.WebSockets, skipNegotiation: true })
    // Keep retrying (capped back-off) instead of SignalR's default of giving up after four tries.
    .withAutomaticReconnect({ nextRetryDelayInMilliseconds: (ctx) => Math.min(30_000, 1_000 * 2 ** Math.min(ctx.previousRetryCount, 5)) })
    // Warnings only: no message payloads in the console.
    .configureLogging(LogLevel.Warning)
    .build();
  c.on('beds', (snapshot: BedSnapshot) => deliver(snapshot));
  c.on('occupancy', (row: HospitalOccupancy) => overviewListeners.forEach((l) => l.onRow(row)));
  c.onreconnecting(() => (liveState.value = 'reconnecting'));
  c.onreconnected(() => {
    // "Live" only once every hospital is watched again: before that, a change could still be missed.
    void rewatchAll().then(() => {
      if (c.state === HubConnectionState.Connected) liveState.value = 'live';
    });
  });
  c.onclose(() => {
    liveState.value = anyListener() ? 'offline' : 'idle';
    connection = null;
    // Closed for good (e.g. the server restarted past our retries): start again while someone watches.
    if (anyListener() && session.value) scheduleRestart();
  });
  return c;
}

function deliver(snapshot: BedSnapshot): void {
  hospitalListeners.get(snapshot.hospitalId)?.forEach((l) => l(snapshot));
}

function scheduleRestart(): void {
  window.clearTimeout(restartTimer);
  restartTimer = window.setTimeout(() => void ensureStarted(), 5_000);
}

async function ensureStarted(): Promise<HubConnection | null> {
  if (!session.value) return null;
  if (connection?.state === HubConnectionState.Connected) return connection;
  // Reconnecting on its own: onreconnected watches everything listed by then.
  if (!starting && connection && connection.state !== HubConnectionState.Disconnected) return null;
  if (!starting) {
    connection ??= build();
    const c = connection;
    liveState.value = 'connecting';
    starting = c
      .start()
      .then(async () => {
        await rewatchAll();
        if (c.state === HubConnectionState.Connected) liveState.value = 'live';
      })
      .catch(() => {
        liveState.value = 'offline';
        connection = null;
        if (anyListener()) scheduleRestart();
      })
      .finally(() => (starting = null));
  }
  await starting;
  return connection?.state === HubConnectionState.Connected ? connection : null;
}

async function watchOne(c: HubConnection, hospitalId: string): Promise<void> {
  try {
    deliver(await c.invoke<BedSnapshot>('Watch', hospitalId));
  } catch {
    // A hospital we may not see (or a dropped connection): the screen keeps its last loaded numbers.
  }
}

async function watchOverviewOn(c: HubConnection): Promise<void> {
  try {
    const overview = await c.invoke<AdminBedOverview>('WatchOverview');
    overviewListeners.forEach((l) => l.onOverview(overview));
  } catch {
    // Not an admin or connection lost; the screen shows its loaded numbers.
  }
}

async function rewatchAll(): Promise<void> {
  const c = connection;
  if (!c || c.state !== HubConnectionState.Connected) return;
  await Promise.all([...hospitalListeners.keys()].map((id) => watchOne(c, id)));
  if (overviewListeners.size > 0) await watchOverviewOn(c);
}

let stopTimer: number | undefined;

/** Stops the connection a moment after the last watcher left (moving between screens keeps it). */
function stopIfUnused(): void {
  window.clearTimeout(stopTimer);
  if (anyListener()) return;
  stopTimer = window.setTimeout(() => void stopNow(), 3_000);
}

async function stopNow(): Promise<void> {
  if (anyListener()) return;
  window.clearTimeout(restartTimer);
  const c = connection;
  connection = null;
  liveState.value = 'idle';
  if (c) await c.stop().catch(() => undefined);
}

/** Receives the hospital's snapshot now and on every change until the returned function is called. */
export function watchHospital(hospitalId: string, listener: SnapshotListener): () => void {
  let set = hospitalListeners.get(hospitalId);
  const first = !set;
  if (!set) hospitalListeners.set(hospitalId, (set = new Set()));
  set.add(listener);
  // Connected: watch now. Otherwise the (re)start watches every hospital listed by then, this one included.
  if (connection?.state === HubConnectionState.Connected) {
    if (first) {
      // Not live for this hospital until the server has it in the group.
      const c = connection;
      pendingWatches++;
      liveState.value = 'connecting';
      void watchOne(c, hospitalId).then(() => {
        pendingWatches--;
        if (pendingWatches === 0 && c.state === HubConnectionState.Connected && !starting) liveState.value = 'live';
      });
    }
  } else void ensureStarted();
  return () => {
    const s = hospitalListeners.get(hospitalId);
    if (!s) return;
    s.delete(listener);
    if (s.size === 0) {
      hospitalListeners.delete(hospitalId);
      const c = connection;
      if (c?.state === HubConnectionState.Connected) void c.invoke('Unwatch', hospitalId).catch(() => undefined);
    }
    stopIfUnused();
  };
}

/** Admin: the occupancy overview now, then one row per hospital change. */
export function watchOverview(onOverview: OverviewListener['onOverview'], onRow: OverviewListener['onRow']): () => void {
  const l: OverviewListener = { onOverview, onRow };
  const first = overviewListeners.size === 0;
  overviewListeners.add(l);
  if (connection?.state === HubConnectionState.Connected) {
    if (first) void watchOverviewOn(connection);
  } else void ensureStarted();
  return () => {
    overviewListeners.delete(l);
    stopIfUnused();
  };
}

// Signing out ends the live connection at once (its token belongs to the old session).
effect(() => {
  if (!session.value && connection) {
    hospitalListeners.clear();
    overviewListeners.clear();
    void stopNow();
  }
});
