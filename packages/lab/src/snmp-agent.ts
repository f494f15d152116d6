import dgram from 'node:dgram';
import type { RemoteInfo, Socket } from 'node:dgram';
import snmp from 'net-snmp';
import type { Agent, Message, MessageClass, Varbind } from 'net-snmp';
import type { Clock, TimerHandle } from '@pollfleet/core';
import { LabAgentError, LabBindError } from './errors.js';
import type { SnmpDeviceModel } from './device-model.js';
import { ActiveView } from './mib-layout.js';
import type { SharedMib } from './mib-layout.js';

/** What the agent accepts: a v2c community, a v3 authPriv user (SHA-1 / AES-128), or both. */
export interface AgentCredentials {
  readonly community?: string;
  readonly v3?: { readonly user: string; readonly authKey: string; readonly privKey: string };
}

export interface SnmpAgentOptions {
  readonly model: SnmpDeviceModel;
  readonly mib: SharedMib;
  readonly clock: Clock;
  readonly port: number;
  readonly accept: AgentCredentials;
  /** Bound, but never answers (a host that is down or filtered). */
  readonly silent: boolean;
  /** Each request is answered this many ms late (0: at once). */
  readonly delayMs: number;
}

/** Per-agent request counts (for the lab's summary and the benchmarks). */
export interface AgentCounters {
  /** Datagrams received. */
  received: number;
  /** Datagrams answered with a Response or a Report. */
  answered: number;
  /** Requests refused for a wrong community / user / key. */
  refused: number;
}

// RFC 3416: a GETBULK response is cut short rather than grow past what a UDP datagram carries.
const MAX_BULK_VARBINDS = 1000;
const USM_WRONG_DIGESTS = '5';
const USM_DECRYPTION_ERRORS = '6';

let messageClass: MessageClass | undefined;

/**
 * net-snmp's Message class is not exported; it is reached through the Listener's static
 * `processIncoming`, given a hand-made empty v2c GET. Checked once, with a clear error if a
 * net-snmp upgrade moved it.
 */
function messageClassOf(agent: Agent): MessageClass {
  if (messageClass) return messageClass;
  const probe = Buffer.from('301502010104036c6162a00b020101020100020100300' + '0', 'hex');
  let message: Message | undefined;
  try {
    message = agent.listener.constructor.processIncoming(
      probe,
      { communities: ['lab'], users: [], disableAuthorization: true },
      () => undefined,
    );
  } catch (e) {
    throw new LabAgentError(
      `net-snmp internals changed: Listener.processIncoming failed (${String(e)})`,
    );
  }
  const cls = message?.constructor as unknown as Partial<MessageClass> | undefined;
  if (typeof cls?.createFromBuffer !== 'function') {
    throw new LabAgentError('net-snmp internals changed: Message.createFromBuffer is missing');
  }
  messageClass = cls as MessageClass;
  return messageClass;
}

/**
 * One simulated device: a net-snmp agent on its own 127.0.0.1 UDP socket, answering from the
 * device model at the instant each request is processed. Three things differ from stock net-snmp,
 * each to behave as Net-SNMP's snmpd does (tested against the C tools):
 * - GETBULK returns N + M×R varbinds (stock caps the whole response at M), and stops early only
 *   once every repeater is at endOfMibView;
 * - a GETNEXT/GETBULK step past the last instance is endOfMibView (stock answers noSuchObject
 *   when the requested OID lies beyond the tree);
 * - a v3 request with a wrong auth key gets a usmStatsWrongDigests report, a wrong privacy key a
 *   usmStatsDecryptionErrors report (stock drops both silently), so a poller can tell a wrong
 *   password from an unreachable device.
 */
export class SimulatedSnmpAgent {
  readonly counters: AgentCounters = { received: 0, answered: 0, refused: 0 };
  private readonly timers = new Set<TimerHandle>();
  private endOfView: Set<number> | undefined;
  private refusal: { code: number } | undefined;
  private closed = false;

  private constructor(
    private readonly options: SnmpAgentOptions,
    private readonly socket: Socket,
    private readonly agent: Agent,
    readonly port: number,
  ) {}

  static async start(options: SnmpAgentOptions): Promise<SimulatedSnmpAgent> {
    const socket = dgram.createSocket('udp4');
    const port = await new Promise<number>((resolve, reject) => {
      const onError = (e: Error): void => {
        socket.close();
        reject(new LabBindError(options.port, e));
      };
      socket.once('error', onError);
      socket.bind(options.port, '127.0.0.1', () => {
        socket.off('error', onError);
        resolve(socket.address().port);
      });
    });
    const ref: { self?: SimulatedSnmpAgent } = {};
    try {
      // net-snmp's Listener binds the socket it creates (and maps port 0 to 161): hand it ours,
      // already bound, with bind() made a no-op.
      const handOver = Object.assign(socket, { bind: () => socket });
      const agent = snmp.createAgent(
        {
          port,
          address: '127.0.0.1',
          transport: 'udp4',
          disableAuthorization: false,
          accessControlModelType: snmp.AccessControlModelType.None!,
          dgramModule: { createSocket: () => handOver },
        },
        (error) => ref.self?.onAgentError(error),
        options.mib.mib,
      );
      ref.self = new SimulatedSnmpAgent(options, socket, agent, port);
      ref.self.install();
      return ref.self;
    } catch (e) {
      socket.close();
      throw e;
    }
  }

  /** The v3 engine ID (hex), as a poller discovers it. */
  get engineId(): string {
    return this.agent.engine.engineID.toString('hex');
  }

  private install(): void {
    const { agent, socket, options } = this;
    messageClassOf(agent);
    const auth = agent.getAuthorizer();
    if (options.accept.community !== undefined) auth.addCommunity(options.accept.community);
    if (options.accept.v3) {
      auth.addUser({
        name: options.accept.v3.user,
        level: snmp.SecurityLevel.authPriv!,
        authProtocol: snmp.AuthProtocols.sha!,
        authKey: options.accept.v3.authKey,
        privProtocol: snmp.PrivProtocols.aes!,
        privKey: options.accept.v3.privKey,
      });
    }
    agent.engine.engineBoots = 1;
    agent.getBulkRequest = (s, m, r) => this.getBulk(s, m, r);
    const getNext = agent.getNextRequest.bind(agent);
    agent.getNextRequest = (s, m, r) => this.withEndOfView(() => getNext(s, m, r));
    const setVarbind = agent.setSingleVarbind.bind(agent);
    agent.setSingleVarbind = (pdu, index, vb) => {
      if (this.endOfView?.has(index)) {
        vb.type = snmp.ObjectType.EndOfMibView!;
        vb.value = null;
      }
      setVarbind(pdu, index, vb);
    };
    const send = agent.listener.send.bind(agent.listener);
    agent.listener.send = (message, rinfo, sock) => {
      this.counters.answered++;
      send(message, rinfo, sock);
    };
    socket.removeAllListeners('message');
    socket.on('message', (buffer: Buffer, rinfo: RemoteInfo) => this.onDatagram(buffer, rinfo));
  }

  private onDatagram(buffer: Buffer, rinfo: RemoteInfo): void {
    this.counters.received++;
    if (this.options.silent || this.closed) return;
    if (this.options.delayMs <= 0) {
      this.answer(buffer, rinfo);
      return;
    }
    const timer = this.options.clock.setTimeout(() => {
      this.timers.delete(timer);
      if (!this.closed) this.answer(buffer, rinfo);
    }, this.options.delayMs);
    this.timers.add(timer);
  }

  /** Runs net-snmp's request pipeline synchronously with the device's view at this instant. */
  private answer(buffer: Buffer, rinfo: RemoteInfo): void {
    const view = this.options.model.at(this.options.clock.now());
    this.agent.engine.engineTime = Math.floor(view.uptimeMs / 1000) % 2147483648;
    this.refusal = undefined;
    ActiveView.current = view;
    try {
      this.agent.onMsg(this.socket, buffer, rinfo);
    } catch {
      // A datagram net-snmp's pipeline throws on (it catches only its decoder's errors): one
      // bad request must never take the lab down; a real agent drops it.
      this.counters.refused++;
      return;
    } finally {
      ActiveView.current = undefined;
      this.endOfView = undefined;
    }
    const refusal = this.refusal as { code: number } | undefined; // set by onAgentError, synchronously
    if (refusal) {
      this.counters.refused++;
      this.reportUsmFailure(buffer, rinfo, refusal.code);
    }
  }

  private onAgentError(error: unknown): void {
    // A wrong community, unknown user or undecodable datagram: a real agent stays silent on
    // these (v3 unknown users already got a report from net-snmp). Auth and decryption failures
    // are answered with a report after onMsg returns.
    const code = (error as { code?: unknown } | null)?.code;
    if (
      typeof code === 'number' &&
      (code === snmp.ResponseInvalidCode.EAuthFailure ||
        code === snmp.ResponseInvalidCode.ECouldNotDecrypt)
    ) {
      this.refusal = { code };
    } else if (error) this.counters.refused++;
  }

  private reportUsmFailure(buffer: Buffer, rinfo: RemoteInfo, _code: number): void {
    let message: Message;
    try {
      message = messageClassOf(this.agent).createFromBuffer(buffer);
    } catch {
      return;
    }
    if (!message.isReportable()) return;
    const sp = message.msgSecurityParameters;
    const user = this.agent.getAuthorizer().getUser(sp.msgUserName);
    if (!user) return;
    // net-snmp decrypts before it authenticates; a real agent checks the digest first.
    const authentic =
      !!message.hasAuthentication() &&
      snmp.Authentication.isAuthentic(
        message.buffer,
        user.authProtocol,
        user.authKey,
        sp.msgAuthoritativeEngineID,
        sp.msgAuthenticationParameters,
      );
    const usm = authentic ? USM_DECRYPTION_ERRORS : USM_WRONG_DIGESTS;
    const report = message.createReportResponseMessage(this.agent.engine, '', usm);
    this.agent.listener.send(report, rinfo, this.socket);
  }

  private withEndOfView(run: () => void): void {
    // addGetNextVarbind marks the steps that fell off the end; remember their positions.
    const addNext = this.agent.addGetNextVarbind.bind(this.agent);
    const ends = new Set<number>();
    this.agent.addGetNextVarbind = (target: Varbind[], start: string) => {
      const node = addNext(target, start);
      if (!node) ends.add(target.length - 1);
      return node;
    };
    try {
      this.endOfView = ends;
      run();
    } finally {
      this.agent.addGetNextVarbind = addNext;
    }
  }

  private getBulk(socket: Socket, message: Message, rinfo: RemoteInfo): void {
    const pdu = message.pdu;
    const requested = pdu.varbinds;
    const n = Math.min(Math.max(pdu.nonRepeaters, 0), requested.length);
    const r = requested.length - n;
    const m = Math.max(pdu.maxRepetitions, 0);
    const out: Varbind[] = [];
    const ends = new Set<number>();
    const step = (start: string): string | undefined => {
      const node = this.agent.addGetNextVarbind(out, start);
      if (node) return node.oid;
      ends.add(out.length - 1);
      return undefined;
    };
    for (let i = 0; i < n; i++) step(requested[i]!.oid);
    const cursors: (string | undefined)[] = requested.slice(n).map((v) => v.oid);
    const last = requested.slice(n).map((v) => v.oid);
    for (let rep = 0; rep < m && r > 0 && out.length + r <= MAX_BULK_VARBINDS; rep++) {
      let live = false;
      for (let j = 0; j < r; j++) {
        const at = cursors[j];
        if (at === undefined) {
          // Already past the end: endOfMibView again, named by the last OID reached.
          out.push({ oid: last[j]!, type: snmp.ObjectType.EndOfMibView!, value: null });
          ends.add(out.length - 1);
          continue;
        }
        const next = step(at);
        cursors[j] = next;
        if (next !== undefined) {
          last[j] = next;
          live = true;
        }
      }
      if (!live) break;
    }
    pdu.varbinds = out;
    this.endOfView = ends;
    this.agent.request(socket, message, rinfo);
  }

  /** Cancels delayed replies and closes the socket. */
  async stop(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) t.cancel();
    this.timers.clear();
    await new Promise<void>((resolve) => this.agent.close(() => resolve()));
  }
}
