import type { Clock, DeviceSpec } from '@pollfleet/core';
import { CollectError } from '@pollfleet/core';
import { agentAnswers } from './device-session.js';
import type { DeviceSession } from './device-session.js';
import { SnmpErrorCode } from './errors.js';
import type { SnmpOptions } from './options.js';
import type { UdpSocketPool } from './socket-pool.js';

/**
 * An agent given a wrong v3 privacy key drops the request without a report, which looks like a
 * timeout. If the agent answers a plain request, the key is the likely cause; but lost packets
 * can look the same once, and a permanent verdict parks the device, so it takes two polls in a
 * row to call it permanent.
 */
export class PrivacyKeyCheck {
  readonly #pool: UdpSocketPool;
  readonly #clock: Clock;
  readonly #maxDevices: number;
  /** Devices whose last authPriv timeout looked like a privacy-key failure. */
  readonly #suspects = new Set<string>();

  constructor(pool: UdpSocketPool, clock: Clock, maxDevices: number) {
    this.#pool = pool;
    this.#clock = clock;
    this.#maxDevices = maxDevices;
  }

  /** After an authPriv timeout: the error to report instead, or undefined to keep the timeout. */
  async check(
    ds: DeviceSession,
    device: DeviceSpec<SnmpOptions>,
    signal: AbortSignal,
  ): Promise<CollectError | undefined> {
    // Discovery (unencrypted) never answered: unreachable or lost packets, not the key.
    if (!ds.engine() || signal.aborted) return undefined;
    const o = device.options;
    if (!(await agentAnswers(this.#pool, ds.address, device.port, o, this.#clock, signal))) {
      return undefined;
    }
    if (this.#suspects.has(device.id)) {
      return CollectError.permanent(
        SnmpErrorCode.DecryptionFailed,
        'agent answers but not to authPriv requests: wrong v3 privacy key or protocol',
      );
    }
    if (this.#suspects.size >= this.#maxDevices) this.#suspects.clear();
    this.#suspects.add(device.id);
    return CollectError.transient(
      SnmpErrorCode.DecryptionFailed,
      'agent answers but not to authPriv requests: lost packets or a wrong v3 privacy key (checked again next poll)',
    );
  }

  /** The device answered an authPriv request, or is gone. */
  cleared(deviceId: string): void {
    this.#suspects.delete(deviceId);
  }
}
