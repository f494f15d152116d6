import type { Clock, SharedStateStore } from '@pollfleet/core';

/** A v3 agent's engine as last seen, shared by every pod. */
export interface EngineRecord {
  /** snmpEngineID, hex. */
  readonly engineId: string;
  readonly boots: number;
  /** snmpEngineTime (s) at `at`. */
  readonly time: number;
  /** Epoch ms when boots/time were current. */
  readonly at: number;
  /** `address:port` the device was polled at. */
  readonly endpoint: string;
}

interface Owner {
  readonly deviceId: string;
  readonly endpoint: string;
}

/** Every key the collector writes in its shared state is built here (the registry already namespaces them under `snmp:`). */
export const snmpKeys = {
  engine: (deviceId: string): string => `engine:${deviceId}`,
  engineOwner: (engineIdHex: string): string => `engine-owner:${engineIdHex}`,
};

function parse<T>(raw: string | undefined): T | undefined {
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return undefined;
  }
}

/**
 * Keeps v3 engine ids (with boots and time) per device in the shared state, so a device that
 * moves to another pod needs no rediscovery, and notices two devices answering with one engine
 * id (a cloned configuration: their engine boots/time fight, and v3 requests time out).
 */
export class EngineRegistry {
  readonly #store: SharedStateStore;
  readonly #clock: Clock;
  readonly #ttlMs: number;

  constructor(store: SharedStateStore, clock: Clock, ttlMs: number) {
    this.#store = store;
    this.#clock = clock;
    this.#ttlMs = ttlMs;
  }

  async load(deviceId: string): Promise<EngineRecord | undefined> {
    const rec = parse<EngineRecord>(await this.#store.get(snmpKeys.engine(deviceId)));
    if (!rec || typeof rec.engineId !== 'string' || typeof rec.at !== 'number') return undefined;
    if (this.#clock.now() - rec.at > this.#ttlMs) return undefined;
    return rec;
  }

  /**
   * Stores the device's engine and claims the engine id. Returns the id of another device
   * (at another address) that claimed the same engine id and still answers with it.
   */
  async save(deviceId: string, rec: EngineRecord): Promise<string | undefined> {
    const ownerKey = snmpKeys.engineOwner(rec.engineId);
    const owner = parse<Owner>(await this.#store.get(ownerKey));
    let duplicateOf: string | undefined;
    if (owner && owner.deviceId !== deviceId && owner.endpoint !== rec.endpoint) {
      // The claim outlives a clone that was given an engine id of its own: ask its record.
      const theirs = await this.load(owner.deviceId);
      if (theirs?.engineId === rec.engineId) duplicateOf = owner.deviceId;
    }
    await this.#store.set(snmpKeys.engine(deviceId), JSON.stringify(rec), this.#ttlMs);
    const mine: Owner = { deviceId, endpoint: rec.endpoint };
    await this.#store.set(ownerKey, JSON.stringify(mine), this.#ttlMs);
    return duplicateOf;
  }

  async delete(deviceId: string): Promise<void> {
    await this.#store.delete(snmpKeys.engine(deviceId));
  }
}
