import { ConfigError } from './errors.js';
import type { PollResult } from './bus.js';

export interface FenceFilterOptions {
  /**
   * Devices remembered; the least recently seen is forgotten beyond this.
   * @defaultValue 100000
   */
  maxDevices?: number;
  /**
   * Poll slots (`scheduledFor`) remembered per device for duplicate detection.
   * @defaultValue 32
   */
  maxSlotsPerDevice?: number;
}

export type FenceVerdict = 'accept' | 'stale' | 'duplicate';

interface DeviceMemory {
  fence: number;
  slots: Set<number>;
}

/**
 * How a consumer discards results it must not apply (pure, no I/O):
 * - `stale`: the fence is lower than the highest seen for the device, so it comes from a pod
 *   that has since lost the lease;
 * - `duplicate`: `deviceId` + `scheduledFor` was already accepted (a retried publish, or a new
 *   owner re-polling the same slot).
 *
 * Memory is bounded: a forgotten device or slot lets a late stale or duplicate result through,
 * so keep the bounds above what arrives out of order. Consumers that must be exact persist the
 * highest fence per device next to the data they write.
 */
export class FenceFilter {
  readonly #devices = new Map<string, DeviceMemory>();
  readonly #maxDevices: number;
  readonly #maxSlots: number;

  constructor(options: FenceFilterOptions = {}) {
    this.#maxDevices = options.maxDevices ?? 100_000;
    this.#maxSlots = options.maxSlotsPerDevice ?? 32;
    if (!Number.isInteger(this.#maxDevices) || this.#maxDevices < 1) {
      throw new ConfigError('fenceFilter.maxDevices', 'must be a positive integer');
    }
    if (!Number.isInteger(this.#maxSlots) || this.#maxSlots < 1) {
      throw new ConfigError('fenceFilter.maxSlotsPerDevice', 'must be a positive integer');
    }
  }

  /** Judges a result and, when accepted, remembers its fence and slot. */
  check(result: Pick<PollResult, 'deviceId' | 'fence' | 'scheduledFor'>): FenceVerdict {
    const { deviceId, fence, scheduledFor } = result;
    let memory = this.#devices.get(deviceId);
    if (memory) {
      this.#devices.delete(deviceId); // re-inserted below: Map order is recency order
    } else {
      memory = { fence, slots: new Set() };
    }
    this.#devices.set(deviceId, memory);
    if (this.#devices.size > this.#maxDevices) {
      const oldest = this.#devices.keys().next();
      if (oldest.done !== true) this.#devices.delete(oldest.value);
    }

    if (fence < memory.fence) return 'stale';
    if (memory.slots.has(scheduledFor)) return 'duplicate';
    memory.fence = fence;
    memory.slots.add(scheduledFor);
    if (memory.slots.size > this.#maxSlots) {
      const oldest = memory.slots.values().next();
      if (oldest.done !== true) memory.slots.delete(oldest.value);
    }
    return 'accept';
  }

  /** Number of devices currently remembered. */
  get size(): number {
    return this.#devices.size;
  }
}
