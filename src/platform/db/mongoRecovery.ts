// Keeps a process's MongoDB client usable across a store restart. The driver's monitor normally finds
// the server again within a heartbeat, but a restart can wedge it (mongodb 7.9): the server's FIN
// destroys the monitor's idle socket before its 'close' event marks the connection closed, and a check
// requested in that window (an operation failing on another connection asks for one) writes its hello
// on the destroyed socket, a write that neither fails nor drains. The check never ends, the monitor
// skips every later heartbeat, and the client fails every server selection with the last error it saw,
// however long the server has been back (docs/reliability.md). This watches the client's own view of
// the server and, when it has said "unreachable" for `graceMs` while a fresh client reaches the
// server, swaps the fresh client in through `replace`.
import type { MongoClient, ServerDescriptionChangedEvent } from 'mongodb';

/** What a replaced client looked like: the evidence the warning carries. */
export interface StuckClientReport {
  /** How long the old client had seen no selectable server. */
  unreachableForMs: number;
  /** How long a fresh client had been reaching the server while the old one did not. */
  reachableForMs: number;
  /** The error the old client's server description held (what its operations failed with). */
  lastError: string;
  /** Since the old client's monitor last reported a heartbeat (started, succeeded or failed); null if never. */
  sinceLastHeartbeatMs: number | null;
  /** The old client's monitor state(s), read from the driver's internals for diagnosis. */
  monitorStates: string[];
}

export interface ClientSupervisorOptions {
  /** The client in use now. */
  current: () => MongoClient;
  /** A new client, connected and answering a ping (rejects if the server cannot be reached). */
  connectNew: () => Promise<MongoClient>;
  /** Puts `client` in use in place of the current one. */
  replace: (client: MongoClient) => void;
  onReplaced: (report: StuckClientReport) => void;
  /** How long the server must be reachable while the client still says it is not (default 10 s). */
  graceMs?: number;
  /** How often the client's view is looked at (default 2 s). */
  checkEveryMs?: number;
}

export interface ClientSupervisor {
  stop(): void;
  /** Runs one check now (tests); resolves when it is done. */
  checkNow(): Promise<void>;
}

export function superviseMongoClient(options: ClientSupervisorOptions): ClientSupervisor {
  const graceMs = options.graceMs ?? 10_000;
  let watched = watch(options.current());
  let reachableSince: number | null = null;
  let checking: Promise<void> | null = null;
  let stopped = false;

  const check = async (): Promise<void> => {
    if (watched.closed()) stop(); // closed by its owner (client.close()): nothing left to keep usable
    const unreachableSince = watched.unreachableSince();
    if (unreachableSince === null || stopped) {
      reachableSince = null;
      return;
    }
    const fresh = await options.connectNew().catch(() => null);
    if (!fresh || stopped || watched.unreachableSince() === null) {
      reachableSince = null;
      await fresh?.close().catch(() => undefined);
      return;
    }
    const now = Date.now();
    reachableSince ??= now;
    if (now - reachableSince < graceMs) {
      await fresh.close().catch(() => undefined);
      return;
    }
    const old = watched;
    const report: StuckClientReport = {
      unreachableForMs: now - unreachableSince,
      reachableForMs: now - reachableSince,
      lastError: old.lastError(),
      sinceLastHeartbeatMs: old.lastHeartbeatAt() === null ? null : now - old.lastHeartbeatAt()!,
      monitorStates: monitorStates(old.client),
    };
    old.unwatch();
    watched = watch(fresh);
    reachableSince = null;
    options.replace(fresh);
    options.onReplaced(report);
    await old.client.close().catch(() => undefined);
  };
  const run = (): Promise<void> => (checking ??= check().finally(() => (checking = null)));
  const timer = setInterval(() => void run(), options.checkEveryMs ?? 2_000).unref();
  function stop(): void {
    stopped = true;
    clearInterval(timer);
    watched.unwatch();
  }
  return { stop, checkNow: run };
}

/** Follows one client's server descriptions and heartbeats through its SDAM events. */
function watch(client: MongoClient) {
  const unreachable = new Map<string, { since: number; error: string }>();
  let lastHeartbeatAt: number | null = null;
  let closed = false;
  const onClosed = () => (closed = true);
  const onDescription = (event: ServerDescriptionChangedEvent) => {
    if (event.newDescription.type === 'Unknown') {
      const since = unreachable.get(event.address)?.since ?? Date.now();
      unreachable.set(event.address, { since, error: event.newDescription.error?.message ?? 'unknown' });
    } else {
      unreachable.clear();
    }
  };
  const onHeartbeat = () => (lastHeartbeatAt = Date.now());
  const heartbeatEvents = ['serverHeartbeatStarted', 'serverHeartbeatSucceeded', 'serverHeartbeatFailed'] as const;
  client.on('serverDescriptionChanged', onDescription);
  for (const name of heartbeatEvents) client.on(name, onHeartbeat);
  client.on('topologyClosed', onClosed);
  return {
    client,
    closed: () => closed,
    /** When the client last had a selectable server, if it has none now. */
    unreachableSince: (): number | null => (unreachable.size === 0 ? null : Math.min(...[...unreachable.values()].map((u) => u.since))),
    lastError: () => [...unreachable.values()].map((u) => u.error).join('; '),
    lastHeartbeatAt: () => lastHeartbeatAt,
    unwatch: () => {
      client.off('serverDescriptionChanged', onDescription);
      for (const name of heartbeatEvents) client.off(name, onHeartbeat);
      client.off('topologyClosed', onClosed);
    },
  };
}

/** The driver keeps its monitors private; their state is what shows a monitor that stopped checking. */
function monitorStates(client: MongoClient): string[] {
  try {
    const internals = client as unknown as {
      topology?: { s?: { servers?: Map<string, { monitor?: { s?: { state?: string }; monitorId?: unknown } | null }> } };
    };
    return [...(internals.topology?.s?.servers?.entries() ?? [])].map(
      ([address, server]) => `${address}: ${server.monitor?.s?.state ?? 'none'} ${JSON.stringify(server.monitor?.monitorId ?? null)}`,
    );
  } catch {
    return [];
  }
}
