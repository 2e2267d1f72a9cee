// The temp-lock side of the fault suite (bench/faults.ts): a device-control gateway stub on loopback that
// records what it receives, in order, and can fail, answer slowly or refuse devices; simulated devices that
// check in every second and remember what they were told; and the lock invariants a round checks.
import { once } from 'node:events';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import type { MongoStores } from '../src/platform/db/mongo';
import type { TempLockStatus } from '../src/tempLocks/lock';

export interface ReceivedCommand {
  kind: 'LOCK' | 'UNLOCK';
  receivedAt: number;
  dueAt: number | null;
  /** The client gave up (aborted the request) before the stub answered. */
  abandoned: boolean;
}

/** A device-control gateway on loopback that records every command it receives and can be told to misbehave. */
export class GatewayStub {
  /** Per action, every command as it arrived (first to last). */
  readonly received = new Map<string, ReceivedCommand[]>();
  url = '';
  private failingUntil = 0;
  private slowUntil = 0;
  private slowMs = 0;
  private readonly refused = new Set<string>();
  private readonly server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (Date.now() < this.failingUntil) {
        res.writeHead(503).end('simulated outage');
        return;
      }
      // POST /commands (docs/gateway-openapi.yaml): one kind, many devices.
      const request = JSON.parse(Buffer.concat(chunks).toString() || '{}') as {
        kind?: 'LOCK' | 'UNLOCK';
        devices?: { deviceUid: string; actionId: string; dueAt: number | null }[];
      };
      const devices = request.kind && Array.isArray(request.devices) ? request.devices : [];
      const receivedAt = Date.now();
      const entries = devices.map((device) => {
        const entry: ReceivedCommand = { kind: request.kind!, receivedAt, dueAt: device.dueAt ?? null, abandoned: false };
        this.received.set(device.actionId, [...(this.received.get(device.actionId) ?? []), entry]);
        return entry;
      });
      const results = devices.map(({ deviceUid }) =>
        this.refused.has(deviceUid)
          ? { deviceUid, accepted: false, status: 404, reason: 'unknown device' }
          : { deviceUid, accepted: true, status: 202, reason: null },
      );
      const answer = () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ results }));
      if (Date.now() >= this.slowUntil) return answer();
      const timer = setTimeout(answer, this.slowMs);
      res.on('close', () => {
        if (!res.writableFinished) for (const entry of entries) entry.abandoned = true;
        clearTimeout(timer);
      });
    });
  });

  static async start(): Promise<GatewayStub> {
    const stub = new GatewayStub();
    stub.server.listen(0, '127.0.0.1');
    await once(stub.server, 'listening');
    stub.url = `http://127.0.0.1:${(stub.server.address() as AddressInfo).port}`;
    return stub;
  }
  failFor(ms: number): void {
    this.failingUntil = Date.now() + ms;
  }
  /** Answers every command `answerMs` late for the next `forMs`. */
  slowFor(forMs: number, answerMs: number): void {
    this.slowUntil = Date.now() + forMs;
    this.slowMs = answerMs;
  }
  refuseDevices(uids: string[]): void {
    for (const uid of uids) this.refused.add(uid);
  }
  /** The first UNLOCK the gateway answered for the action (what unlock lateness is measured on). */
  firstUnlock(actionId: string): ReceivedCommand | undefined {
    return this.received.get(actionId)?.find((c) => c.kind === 'UNLOCK' && !c.abandoned);
  }
  close(): void {
    this.server.close();
  }
}

/** What a device was told by a check-in. */
export interface CheckInAnswer {
  status: number;
  directive?: string;
  checkedInAt?: string;
  lockUntil?: string | null;
  actionId?: string | null;
}

/** Devices under temp lock: they check in every second, as a real device answers a push, and keep the answers. */
export class SimulatedDevices {
  readonly answers = new Map<string, CheckInAnswer[]>();
  private timer?: NodeJS.Timeout;
  constructor(
    private readonly uids: string[],
    private readonly checkIn: (uid: string) => Promise<CheckInAnswer>,
  ) {}
  start(): void {
    this.timer ??= setInterval(() => {
      for (const uid of this.uids) {
        void this.checkIn(uid).then(
          (answer) => this.answers.set(uid, [...(this.answers.get(uid) ?? []), answer]),
          (err: Error) => this.answers.set(uid, [...(this.answers.get(uid) ?? []), { status: 0, directive: err.message }]),
        );
      }
    }, 1000);
  }
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
  /** The first check-in of the device answered LOCK for the action: the one that activates it. */
  firstLock(uid: string, actionId: string): CheckInAnswer | undefined {
    return this.answers.get(uid)?.find((a) => a.directive === 'LOCK' && a.actionId === actionId);
  }
}

/** How a round's locks must end, and what else it checks. */
export interface LockExpectation {
  /** The status every lock ends in (default DEACTIVATED). */
  ends?: TempLockStatus;
  /** Every check-in is answered 2xx, and every lock starts at the first check-in answered LOCK. */
  activatedByTheirCheckIn?: boolean;
}

export interface LockOutcome {
  unlocked: number;
  ended: number;
  maxUnlockLatenessMs: number;
  problems: string[];
}

/** Checks the round's locks: their end status, their unlocks (sent, on time, after any LOCK), their check-ins. */
export async function checkLocks(
  mongo: MongoStores,
  lockActions: Map<string, string>,
  gateway: GatewayStub,
  devices: SimulatedDevices,
  expect: LockExpectation,
): Promise<LockOutcome> {
  const ends = expect.ends ?? 'DEACTIVATED';
  const problems: string[] = [];
  let unlocked = 0;
  let ended = 0;
  let maxUnlockLatenessMs = 0;
  for (const [uid, actionId] of lockActions) {
    const doc = await mongo.deviceActions.findOne({ _id: actionId });
    if (doc?.status === ends) ended++;
    const received = gateway.received.get(actionId) ?? [];
    const lastUnlock = received.map((c) => c.kind).lastIndexOf('UNLOCK');
    if (received.slice(lastUnlock + 1).some((c) => c.kind === 'LOCK')) problems.push(`${uid}: a LOCK reached the gateway after its UNLOCK`);
    const unlock = gateway.firstUnlock(actionId);
    if (unlock) {
      unlocked++;
      if (unlock.dueAt) maxUnlockLatenessMs = Math.max(maxUnlockLatenessMs, unlock.receivedAt - unlock.dueAt);
    }
    if (ends === 'FAILED' && !/404/.test(doc?.cancel_reason ?? '')) problems.push(`${uid}: FAILED without the gateway's 404 as its reason`);
    if (expect.activatedByTheirCheckIn) {
      const failedCheckIns = (devices.answers.get(uid) ?? []).filter((a) => a.status < 200 || a.status > 299);
      if (failedCheckIns.length > 0) problems.push(`${uid}: ${failedCheckIns.length} check-ins not answered 2xx`);
      const first = devices.firstLock(uid, actionId);
      if (!first || doc?.checked_in_at?.toISOString() !== first.checkedInAt) {
        problems.push(`${uid}: activated at ${doc?.checked_in_at?.toISOString()}, first told LOCK at ${first?.checkedInAt}`);
      }
    }
  }
  const total = lockActions.size;
  if (ended !== total) problems.push(`${ended}/${total} locks ${ends}`);
  if (ends !== 'FAILED' && unlocked !== total) problems.push(`${unlocked}/${total} unlocks sent`);
  return { unlocked, ended, maxUnlockLatenessMs, problems: problems.slice(0, 10) };
}
