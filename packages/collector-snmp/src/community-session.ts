import { EventEmitter } from 'node:events';
import snmp from 'net-snmp';
import { BerError, decodeMessage, encodeRequest, PduTag } from './community-codec.js';
import type { SnmpVarbind as Varbind } from './decode.js';
import type { VirtualSocket } from './socket-pool.js';

type Cb<T> = (err: Error | null, res?: T) => void;

interface Pending {
  readonly buf: Buffer;
  readonly onReply: (vbs: Varbind[]) => void;
  readonly fail: (err: Error) => void;
  timer: NodeJS.Timeout | undefined;
  retriesLeft: number;
}

/** The calls a poll makes on a session: net-snmp's Session and {@link CommunitySession} both have them. */
export interface RequestSession {
  get(oids: string[], cb: Cb<Varbind[]>): void;
  getNext(oids: string[], cb: Cb<Varbind[]>): void;
  getBulk(
    oids: string[],
    nonRepeaters: number,
    maxRepetitions: number,
    cb: Cb<(Varbind | Varbind[])[]>,
  ): void;
  cancelRequests(err: Error): void;
}

const ERROR_STATUS = snmp.ErrorStatus as unknown as Record<number, string>;

function statusError(status: number, index: number, vbs: readonly Varbind[]): Error {
  const name = ERROR_STATUS[status] ?? 'GeneralError';
  const oid = index > 0 && index <= vbs.length ? vbs[index - 1]!.oid : undefined;
  return new snmp.RequestFailedError(oid ? `${name}: ${oid}` : name, status);
}

/** As net-snmp: a GET/GETNEXT reply must carry one varbind per requested OID. */
function oneEach(oids: readonly string[], vbs: Varbind[], cb: Cb<Varbind[]>): void {
  if (vbs.length === oids.length) return cb(null, vbs);
  cb(
    new snmp.ResponseInvalidError(
      `${vbs.length} varbinds in a response to ${oids.length} requested OIDs`,
      snmp.ResponseInvalidCode.EReqResOidNoMatch!,
    ),
  );
}

/**
 * An SNMP v1/v2c session on a virtual socket of the shared pool: request ids, timeouts and
 * retries, replies matched by request id. Same callback API and error classes as net-snmp's
 * Session (RequestTimedOutError, RequestFailedError, ResponseInvalidError; 'error' for an
 * undecodable datagram), with our own codec ({@link encodeRequest}, {@link decodeMessage}).
 */
export class CommunitySession extends EventEmitter implements RequestSession {
  /** Requests in flight by id (the socket pool reads it to route replies). */
  readonly reqs: Record<number, Pending> = Object.create(null) as Record<number, Pending>;
  readonly #socket: VirtualSocket;
  readonly #address: string;
  readonly #port: number;
  readonly #version: 0 | 1;
  readonly #community: Buffer;
  readonly #timeoutMs: number;
  readonly #retries: number;
  #closed = false;

  constructor(
    socket: VirtualSocket,
    o: {
      address: string;
      port: number;
      version: '1' | '2c';
      community: string;
      timeoutMs: number;
      retries: number;
    },
  ) {
    super();
    this.#socket = socket;
    this.#address = o.address;
    this.#port = o.port;
    this.#version = o.version === '1' ? 0 : 1;
    // UTF-8, as net-snmp and the C tools send it (snmpd.conf is UTF-8 text).
    this.#community = Buffer.from(o.community, 'utf8');
    this.#timeoutMs = o.timeoutMs;
    this.#retries = o.retries;
    socket.on('message', (msg: Buffer) => this.#onMessage(msg));
    socket.on('close', () => this.cancelRequests(new Error('Socket forcibly closed')));
  }

  get(oids: string[], cb: Cb<Varbind[]>): void {
    this.#request(PduTag.GetRequest, 0, 0, oids, (vbs) => oneEach(oids, vbs, cb), cb);
  }

  getNext(oids: string[], cb: Cb<Varbind[]>): void {
    this.#request(PduTag.GetNextRequest, 0, 0, oids, (vbs) => oneEach(oids, vbs, cb), cb);
  }

  /** As net-snmp: the non-repeaters' varbinds first, then one array per repeated OID. */
  getBulk(
    oids: string[],
    nonRepeaters: number,
    maxRepetitions: number,
    cb: Cb<(Varbind | Varbind[])[]>,
  ): void {
    if (this.#version === 0) {
      queueMicrotask(() => cb(new snmp.RequestInvalidError('GETBULK is not in SNMPv1')));
      return;
    }
    const repeaters = oids.length - nonRepeaters;
    this.#request(
      PduTag.GetBulkRequest,
      nonRepeaters,
      maxRepetitions,
      oids,
      (vbs) => {
        const out: (Varbind | Varbind[])[] = [];
        let i = 0;
        for (; i < vbs.length && i < oids.length; i++)
          out.push(i < nonRepeaters ? vbs[i]! : [vbs[i]!]);
        for (; i < vbs.length && repeaters > 0; i++) {
          (out[((i - nonRepeaters) % repeaters) + nonRepeaters] as Varbind[]).push(vbs[i]!);
        }
        cb(null, out);
      },
      cb,
    );
  }

  cancelRequests(err: Error): void {
    for (const id in this.reqs) {
      const p = this.reqs[id]!;
      this.#finish(Number(id), p);
      p.fail(err);
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.close(); // 'close' cancels what is in flight
  }

  #request(
    pduTag: number,
    a: number,
    b: number,
    oids: string[],
    onReply: (vbs: Varbind[]) => void,
    fail: (err: Error) => void,
  ): void {
    if (this.#closed) {
      queueMicrotask(() => fail(new Error('Socket forcibly closed')));
      return;
    }
    let id: number;
    do id = 1 + Math.floor(Math.random() * 0x7ffffffe);
    while (id in this.reqs);
    let buf: Buffer;
    try {
      buf = encodeRequest({
        version: this.#version,
        community: this.#community,
        pduTag,
        requestId: id,
        a,
        b,
        oids,
      });
    } catch (err) {
      queueMicrotask(() => fail(err instanceof Error ? err : new Error(String(err))));
      return;
    }
    const p: Pending = { buf, onReply, fail, timer: undefined, retriesLeft: this.#retries };
    this.reqs[id] = p;
    this.#send(id, p);
  }

  #send(id: number, p: Pending): void {
    p.timer = setTimeout(() => {
      if (this.reqs[id] !== p) return;
      if (p.retriesLeft-- > 0) return this.#send(id, p);
      this.#finish(id, p);
      p.fail(new snmp.RequestTimedOutError('Request timed out'));
    }, this.#timeoutMs);
    const failed = (err: Error | null): void => {
      if (!err || this.reqs[id] !== p) return;
      this.#finish(id, p);
      p.fail(err);
    };
    try {
      this.#socket.send(p.buf, 0, p.buf.length, this.#port, this.#address, failed);
    } catch (err) {
      // A closed socket throws (this may run in the retry timer: it must not escape).
      failed(err instanceof Error ? err : new Error(String(err)));
    }
  }

  #finish(id: number, p: Pending): void {
    if (p.timer) clearTimeout(p.timer);
    p.timer = undefined;
    delete this.reqs[id];
  }

  #onMessage(msg: Buffer): void {
    let m;
    try {
      m = decodeMessage(msg);
    } catch (err) {
      if (!(err instanceof BerError)) throw err;
      this.emit('error', err); // the collector fails the poll in flight
      return;
    }
    const p = this.reqs[m.requestId];
    if (!p) return; // a late reply to a request that timed out, or not ours
    this.#finish(m.requestId, p);
    const C = snmp.ResponseInvalidCode;
    if (m.version !== this.#version) {
      p.fail(
        new snmp.ResponseInvalidError('Version in response does not match', C.EVersionNoMatch!),
      );
    } else if (!m.community.equals(this.#community)) {
      // Never name the communities: they are secrets.
      p.fail(
        new snmp.ResponseInvalidError('Community in response does not match', C.ECommunityNoMatch!),
      );
    } else if (m.pduTag !== PduTag.Response) {
      p.fail(new snmp.ResponseInvalidError('Unexpected PDU type in response', C.EUnknownPduType!));
    } else if (m.errorStatus !== 0) {
      p.fail(statusError(m.errorStatus, m.errorIndex, m.varbinds));
    } else {
      p.onReply(m.varbinds);
    }
  }
}
