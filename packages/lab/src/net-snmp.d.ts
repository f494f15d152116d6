// The subset of net-snmp (no published types) the lab's agent uses, internals included: the
// agent's socket hand-off, its GETNEXT step and request pipeline, its engine and its USM report
// builder are not documented API, so snmp-agent.ts checks them at start-up (LabAgentError).
declare module 'net-snmp' {
  import type { Socket, RemoteInfo } from 'node:dgram';

  export interface MibNode {
    oid: string;
    value: unknown;
  }

  export interface MibRequest {
    instanceNode: MibNode;
    done(error?: { errorStatus: number; type: number; value: unknown }): void;
  }

  export interface TableColumn {
    number: number;
    name: string;
    type: number;
    maxAccess: number;
  }

  export interface ProviderDefinition {
    name: string;
    type: number;
    oid: string;
    maxAccess?: number;
    scalarType?: number;
    tableColumns?: TableColumn[];
    tableIndex?: { columnName: string }[];
    tableAugments?: string;
    handler?: (request: MibRequest) => void;
  }

  export interface Mib {
    registerProvider(provider: ProviderDefinition): void;
    setScalarValue(name: string, value: unknown): void;
    addTableRow(table: string, row: unknown[]): void;
    getTableRowCells(table: string, rowIndex: unknown): unknown[] | null;
  }

  export interface Varbind {
    oid: string;
    type?: number;
    value?: unknown;
  }

  export interface UsmUser {
    name: string;
    level: number;
    authProtocol?: number;
    authKey?: string;
    privProtocol?: number;
    privKey?: string;
  }

  export interface Message {
    version: number;
    buffer: Buffer;
    pdu: { type: number; nonRepeaters: number; maxRepetitions: number; varbinds: Varbind[] };
    msgSecurityParameters: {
      msgAuthoritativeEngineID: Buffer;
      msgUserName: string;
      msgAuthenticationParameters: Buffer;
    };
    hasAuthentication(): number | boolean | undefined;
    isReportable(): number | boolean | undefined;
    createReportResponseMessage(engine: Engine, context: string, errorType: string): Message;
  }

  export interface MessageClass {
    createFromBuffer(buffer: Buffer): Message;
  }

  export interface Authorizer {
    addCommunity(community: string): void;
    addUser(user: UsmUser): void;
    getUser(name: string): UsmUser | null;
  }

  export interface Engine {
    engineID: Buffer;
    engineBoots: number;
    engineTime: number;
  }

  export interface Listener {
    constructor: {
      processIncoming(
        buffer: Buffer,
        authorizer: unknown,
        cb: (e: unknown) => void,
      ): Message | undefined;
    };
    send(message: Message, rinfo: RemoteInfo, socket: Socket): void;
  }

  export interface Agent {
    engine: Engine;
    listener: Listener;
    getAuthorizer(): Authorizer;
    onMsg(socket: Socket, buffer: Buffer, rinfo: RemoteInfo): void;
    addGetNextVarbind(target: Varbind[], startOid: string): MibNode | null;
    request(socket: Socket, message: Message, rinfo: RemoteInfo): void;
    getNextRequest(socket: Socket, message: Message, rinfo: RemoteInfo): void;
    getBulkRequest(socket: Socket, message: Message, rinfo: RemoteInfo): void;
    setSingleVarbind(pdu: unknown, index: number, varbind: Varbind): void;
    close(cb?: () => void): void;
  }

  export interface AgentOptions {
    port: number;
    address: string;
    transport: string;
    disableAuthorization: boolean;
    accessControlModelType: number;
    dgramModule: { createSocket(type: string): Socket };
  }

  export function createAgent(
    options: AgentOptions,
    callback: (error: unknown, data?: unknown) => void,
    mib?: Mib,
  ): Agent;
  export function createMib(): Mib;

  export const ObjectType: Record<string, number>;
  export const MibProviderType: Record<string, number>;
  export const MaxAccess: Record<string, number>;
  export const SecurityLevel: Record<string, number>;
  export const AuthProtocols: Record<string, number>;
  export const PrivProtocols: Record<string, number>;
  export const AccessControlModelType: Record<string, number>;
  export const ResponseInvalidCode: Record<string, number>;
  export const Authentication: {
    isAuthentic(
      buffer: Buffer,
      authProtocol: number | undefined,
      authKey: string | undefined,
      engineID: Buffer,
      digest: Buffer,
    ): boolean;
  };

  const snmp: {
    createAgent: typeof createAgent;
    createMib: typeof createMib;
    ObjectType: typeof ObjectType;
    MibProviderType: typeof MibProviderType;
    MaxAccess: typeof MaxAccess;
    SecurityLevel: typeof SecurityLevel;
    AuthProtocols: typeof AuthProtocols;
    PrivProtocols: typeof PrivProtocols;
    AccessControlModelType: typeof AccessControlModelType;
    ResponseInvalidCode: typeof ResponseInvalidCode;
    Authentication: typeof Authentication;
  };
  export default snmp;
}
