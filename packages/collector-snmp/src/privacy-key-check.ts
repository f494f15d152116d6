import type { Clock, DeviceSpec } from '@pollfleet/core';
import { CollectError } from '@pollfleet/core';
import { agentAnswers } from './device-session.js';
import type { DeviceSession, ProbedEngine } from './device-session.js';
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
    const known = ds.engine();
    if (!known || signal.aborted) return undefined;
    const o = device.options;
    const probed = await agentAnswers(this.#pool, ds.address, device.port, o, this.#clock, signal);
    if (!probed) return undefined;
    const restart = restarted(known, probed);
    if (restart) {
      // The agent went away and came back during the poll: its silence says nothing of the key.
      // The next request resynchronises from the agent's report (new boots or engine id).
      this.#suspects.delete(device.id);
      return CollectError.transient(
        SnmpErrorCode.Timeout,
        `no reply to authPriv requests while the agent restarted (${restart}); polled again next interval`,
      );
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

/** Slack when comparing engine times: the probe's is read a little later than our notion. */
const TIME_SLACK_S = 5;

/** Why the probe shows the agent restarted since the session last heard from it, if it does. */
function restarted(
  known: { engineId: string; boots: number; time: number },
  probed: ProbedEngine,
): string | undefined {
  if (probed.engineId !== known.engineId) return 'it answers with another engine id';
  if (probed.boots !== known.boots) {
    return `snmpEngineBoots ${known.boots} → ${probed.boots}`;
  }
  if (probed.time + TIME_SLACK_S < known.time) {
    return `snmpEngineTime went back from ${known.time} to ${probed.time}`;
  }
  return undefined;
}
