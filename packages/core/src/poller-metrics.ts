import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';

/** How a scheduled poll ended. Skips are counted, never stacked. */
export type PollOutcome =
  | 'success'
  | 'partial'
  | 'error_transient'
  | 'error_permanent'
  | 'skipped_breaker'
  | 'skipped_lease'
  | 'skipped_overlap'
  | 'skipped_late'
  | 'skipped_lease_error'
  /** An earlier holder already polled this slot before handing the device over. */
  | 'skipped_duplicate'
  /** Aborted by this pod's own shutdown: not counted against the device. */
  | 'aborted_shutdown';

export type LeaseOp = 'acquire' | 'extend' | 'release';
export type LeaseOpOutcome = 'ok' | 'contended' | 'lost' | 'error';

export interface PollerGaugeSource {
  devicesActive(): number;
  leasesHeld(): number;
  breakersOpen(): number;
  pollsInFlight(): number;
  queueDepth(): number;
}

/**
 * The poller's Prometheus metrics. Names are prefixed `pollfleet_`; labels never carry a
 * device id (cardinality stays bounded by collector types and error codes).
 */
export class PollerMetrics {
  readonly polls: Counter<'collector' | 'outcome'>;
  readonly pollErrors: Counter<'collector' | 'code'>;
  readonly pollDuration: Histogram<'collector'>;
  readonly scheduleLag: Histogram;
  readonly leaseOps: Counter<'op' | 'outcome'>;
  readonly busPublish: Counter<'outcome'>;
  readonly inventorySyncs: Counter<'kind' | 'outcome'>;
  readonly inventoryDegraded: Gauge;
  readonly devicesInvalid: Gauge;
  readonly breakerStoreErrors: Counter;

  constructor(registry: Registry, gauges: PollerGaugeSource) {
    const registers = [registry];
    this.polls = new Counter({
      name: 'pollfleet_polls_total',
      help: 'Scheduled polls by collector type and outcome (success, partial, error_*, skipped_*).',
      labelNames: ['collector', 'outcome'],
      registers,
    });
    this.pollErrors = new Counter({
      name: 'pollfleet_poll_errors_total',
      help: 'Failed polls by collector type and stable error code.',
      labelNames: ['collector', 'code'],
      registers,
    });
    this.pollDuration = new Histogram({
      name: 'pollfleet_poll_duration_seconds',
      help: 'Time from calling the collector to its answer (or the timeout).',
      labelNames: ['collector'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.scheduleLag = new Histogram({
      name: 'pollfleet_schedule_lag_seconds',
      help: 'How late a poll started after its scheduled slot (grows when concurrency is saturated).',
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.leaseOps = new Counter({
      name: 'pollfleet_lease_operations_total',
      help: 'Device lease operations by op (acquire, extend, release) and outcome (ok, contended, lost, error).',
      labelNames: ['op', 'outcome'],
      registers,
    });
    this.busPublish = new Counter({
      name: 'pollfleet_bus_publish_total',
      help: 'Results published on the bus, by outcome (ok, error).',
      labelNames: ['outcome'],
      registers,
    });
    this.inventorySyncs = new Counter({
      name: 'pollfleet_inventory_syncs_total',
      help: 'Inventory reads by kind (full, changes) and outcome (ok, error).',
      labelNames: ['kind', 'outcome'],
      registers,
    });
    this.inventoryDegraded = new Gauge({
      name: 'pollfleet_inventory_degraded',
      help: '1 while the inventory cannot be read and the last known device set is being polled.',
      registers,
    });
    this.devicesInvalid = new Gauge({
      name: 'pollfleet_devices_invalid',
      help: 'Enabled device rows skipped because they cannot be used (see the logs or status for reasons).',
      registers,
    });
    this.breakerStoreErrors = new Counter({
      name: 'pollfleet_breaker_store_errors_total',
      help: 'Failures to load or save breaker state in the shared store.',
      registers,
    });
    const gauge = (name: string, help: string, read: () => number): void => {
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read());
        },
      });
    };
    gauge('pollfleet_devices_active', 'Devices this pod schedules.', () => gauges.devicesActive());
    gauge('pollfleet_leases_held', 'Device leases this pod holds.', () => gauges.leasesHeld());
    gauge(
      'pollfleet_breakers_open',
      'Devices whose breaker is open or half-open, among those this pod holds.',
      () => gauges.breakersOpen(),
    );
    gauge('pollfleet_polls_in_flight', 'Polls running now.', () => gauges.pollsInFlight());
    gauge('pollfleet_scheduler_queue_depth', 'Due polls waiting for a concurrency slot.', () =>
      gauges.queueDepth(),
    );
  }
}
