import type { Logger } from 'pino';
import type { Clock } from './clock.js';
import type { Credentials } from './credentials.js';
import type { DeviceSpec } from './device.js';
import type { SharedStateStore } from './shared-state.js';

/** What a collector gets for one poll. */
export interface CollectContext {
  /** Aborted when the poll runs past the device's timeout or the poller stops. Honour it. */
  readonly signal: AbortSignal;
  /** Secrets resolved from the row's `credentials_ref`; undefined when the row has none. */
  readonly credentials: Credentials | undefined;
  /** Child logger carrying pod and device ids. Never log secrets. */
  readonly logger: Logger;
  /** The slot this poll was scheduled for (epoch ms). */
  readonly scheduledFor: number;
}

/** A successful poll. */
export interface CollectResult<TData = unknown> {
  /** JSON-serialisable data published on the bus. */
  readonly data: TData;
  /** True when the poll's time budget ran out and `data` holds what was gathered so far. */
  readonly partial?: boolean;
}

/**
 * Does one protocol's work. A collector instance serves every device of its type in the pod,
 * so per-device state (connections, previous samples) lives in bounded maps keyed by device id,
 * dropped in {@link forget}.
 *
 * A failed poll rejects with a {@link CollectError} (transient or permanent); anything else is
 * treated as transient. A malformed reply must fail that poll, never throw asynchronously
 * outside the returned promise.
 */
export interface Collector<TOptions = unknown> {
  readonly type: string;
  /** Used when the row's port is null (unless {@link defaultPortFor} says otherwise). */
  readonly defaultPort: number;
  /**
   * The default port for a device with these (parsed) options, when it depends on them (e.g.
   * RouterOS api-ssl listens on 8729). Omit to always use {@link defaultPort}.
   */
  defaultPortFor?(options: TOptions): number;
  /**
   * Validates a row's `options` and returns the parsed form the collector will receive in
   * `DeviceSpec.options`. Throws {@link DeviceConfigError} naming the bad field.
   * Called when the reconciler (re)loads the row, not on every poll.
   */
  parseOptions(raw: unknown, deviceId: string): TOptions;
  /**
   * Checks what {@link parseOptions} cannot check synchronously: things the row names that are
   * stored elsewhere (e.g. a named SNMP profile). Awaited by the reconciler for new and changed
   * rows, and for invalid rows at every full sync. Throws {@link DeviceConfigError} naming the
   * field when the row cannot work. Anything else (its source is unreachable) or taking longer
   * than the reconciler's `validateTimeoutMs` accepts the row: an outage must not make rows
   * invalid, so `collect` still handles the same problem at poll time. Honour `signal`.
   */
  validate?(device: DeviceSpec<TOptions>, signal: AbortSignal): Promise<void>;
  collect(device: DeviceSpec<TOptions>, ctx: CollectContext): Promise<CollectResult>;
  /** This pod stopped polling the device (deleted, disabled, lease lost): drop its state. */
  forget?(deviceId: string): void | Promise<void>;
  /** Closes every socket and timer. */
  close(): Promise<void>;
}

/** What the poller hands a collector factory. */
export interface CollectorDeps {
  readonly logger: Logger;
  readonly clock: Clock;
  /**
   * A small key/value store shared by every pod (Redis in a fleet, memory standalone), for
   * state that must follow a device to another pod, such as SNMPv3 engine ids.
   * Keys are namespaced by collector type.
   */
  readonly sharedState: SharedStateStore;
}

// Methods are bivariant, so a `Collector<SnmpOptions>` is a `Collector`.
export type CollectorFactory = (deps: CollectorDeps) => Collector;
