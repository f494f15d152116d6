import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';

export interface ProbePoll {
  readonly deviceId: string;
  readonly pod: string;
  readonly pid: number;
  readonly scheduledFor: number;
  readonly at: number;
}

export interface ProbeBehaviour {
  /** How long the device takes to answer. */
  holdMs?: number;
  /** Fail the poll with this class. */
  fail?: 'transient' | 'permanent';
}

/**
 * Plays every probe device on one loopback port: records each poll, counts polls of one device
 * that overlap in time (two pollers at once), and answers after `holdMs`.
 */
export class ProbeRecorder {
  readonly polls: ProbePoll[] = [];
  readonly overlaps: { deviceId: string; pods: string[] }[] = [];
  readonly #inFlight = new Map<string, string[]>();
  readonly #behaviours = new Map<string, ProbeBehaviour>();
  readonly #sockets = new Set<Socket>();
  #server: Server | undefined;
  defaultHoldMs = 20;

  async listen(): Promise<number> {
    const server = createServer((s) => this.#onConnection(s));
    this.#server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  }

  behave(deviceId: string, b: ProbeBehaviour | undefined): void {
    if (b) this.#behaviours.set(deviceId, b);
    else this.#behaviours.delete(deviceId);
  }

  pollsOf(deviceId: string): ProbePoll[] {
    return this.polls.filter((p) => p.deviceId === deviceId);
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) =>
      this.#server ? this.#server.close(() => resolve()) : resolve(),
    );
  }

  #onConnection(socket: Socket): void {
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.setEncoding('utf8');
    let buf = '';
    socket.on('data', (chunk: string) => {
      buf += chunk;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      let req: Omit<ProbePoll, 'at'>;
      try {
        req = JSON.parse(buf.slice(0, nl)) as Omit<ProbePoll, 'at'>;
      } catch {
        socket.destroy();
        return;
      }
      this.#poll(socket, req);
    });
  }

  #poll(socket: Socket, req: Omit<ProbePoll, 'at'>): void {
    this.polls.push({ ...req, at: Date.now() });
    const pods = this.#inFlight.get(req.deviceId) ?? [];
    pods.push(req.pod);
    this.#inFlight.set(req.deviceId, pods);
    if (pods.length > 1) this.overlaps.push({ deviceId: req.deviceId, pods: [...pods] });
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      const i = pods.indexOf(req.pod);
      if (i >= 0) pods.splice(i, 1);
    };
    socket.on('close', finish);
    const b = this.#behaviours.get(req.deviceId) ?? {};
    setTimeout(() => {
      finish();
      const reply = b.fail
        ? { ok: false, kind: b.fail, code: `PROBE_${b.fail.toUpperCase()}` }
        : { ok: true };
      if (!socket.destroyed) socket.end(`${JSON.stringify(reply)}\n`);
    }, b.holdMs ?? this.defaultHoldMs);
  }
}
