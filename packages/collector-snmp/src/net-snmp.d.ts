// The subset of net-snmp (no published types) this package uses.
declare module 'net-snmp' {
  import type { EventEmitter } from 'node:events';

  export interface Varbind {
    oid: string;
    type: number;
    value: unknown;
  }

  export interface V3User {
    name: string;
    level: number;
    authProtocol?: number;
    authKey?: string;
    privProtocol?: number;
    privKey?: string;
  }

  export interface DgramLike {
    createSocket(type: string): unknown;
  }

  export interface SessionOptions {
    port?: number;
    retries?: number;
    timeout?: number;
    transport?: string;
    version?: number;
    backoff?: number;
    idBitsSize?: number;
    context?: string;
    backwardsGetNexts?: boolean;
    dgramModule?: DgramLike;
  }

  export interface MsgSecurityParameters {
    msgAuthoritativeEngineID: Buffer;
    msgAuthoritativeEngineBoots: number;
    msgAuthoritativeEngineTime: number;
  }

  export type ResponseCb<T> = (error: Error | null, result?: T) => void;

  export class Session extends EventEmitter {
    target: string;
    port: number;
    reqs: Record<string, unknown>;
    msgSecurityParameters?: MsgSecurityParameters;
    engineTimeBoots: number | null;
    engineTimeBase: number | null;
    engineTimeReceivedAt: number | null;
    latestReceivedEngineTime: number | null;
    /** Called with every v3 reply; a no-op for replies that are not authenticated. */
    setEngineTime(message: {
      msgSecurityParameters?: MsgSecurityParameters;
      hasAuthentication(): boolean;
    }): void;
    get(oids: string[], cb: ResponseCb<Varbind[]>): this;
    getNext(oids: string[], cb: ResponseCb<Varbind[]>): this;
    getBulk(
      oids: string[],
      nonRepeaters: number,
      maxRepetitions: number,
      // The non-repeaters' varbinds first, then one array per repeated OID.
      cb: ResponseCb<(Varbind | Varbind[])[]>,
    ): this;
    getEngineTime(): { engineBoots: number; engineTime: number } | null;
    cancelRequests(error: Error): void;
    close(): this;
  }

  export function createSession(
    target: string,
    community: string,
    options: SessionOptions,
  ): Session;
  export function createV3Session(target: string, user: V3User, options: SessionOptions): Session;

  export const Version1: number;
  export const Version2c: number;
  export const Version3: number;
  export const ObjectType: Record<string, number>;
  export const SecurityLevel: Record<string, number>;
  export const AuthProtocols: Record<string, number>;
  export const PrivProtocols: Record<string, number>;
  export const ResponseInvalidCode: Record<string, number>;
  export const ErrorStatus: Record<string, number>;

  export class ResponseInvalidError extends Error {
    constructor(message: string, code: number, info?: unknown);
    code: number;
  }
  export class RequestFailedError extends Error {
    constructor(message: string, status: number);
    status: number;
  }
  export class RequestTimedOutError extends Error {
    constructor(message: string);
  }
  export class RequestInvalidError extends Error {
    constructor(message: string);
  }

  const snmp: {
    createSession: typeof createSession;
    createV3Session: typeof createV3Session;
    Version1: number;
    Version2c: number;
    Version3: number;
    ObjectType: Record<string, number>;
    SecurityLevel: Record<string, number>;
    AuthProtocols: Record<string, number>;
    PrivProtocols: Record<string, number>;
    ResponseInvalidCode: Record<string, number>;
    ErrorStatus: Record<string, number>;
    ResponseInvalidError: typeof ResponseInvalidError;
    RequestFailedError: typeof RequestFailedError;
    RequestTimedOutError: typeof RequestTimedOutError;
    RequestInvalidError: typeof RequestInvalidError;
  };
  export default snmp;
}

// The BER reader net-snmp decodes with; see fast-oid.ts.
declare module 'asn1-ber' {
  export interface BerReader {
    _buf: Buffer;
    _size: number;
    _offset: number;
    length: number;
    peek(): number | null;
    readLength(offset?: number): number | null;
    readOID: (this: BerReader, tag?: number) => string | null;
  }
  export interface BerWriter {
    _buf: Buffer;
    _offset: number;
    _ensure: (this: BerWriter, len: number) => void;
    writeOID: (this: BerWriter, s: string, tag?: number) => void;
  }
  export const Ber: { Reader: { prototype: BerReader }; Writer: { prototype: BerWriter } };
}
