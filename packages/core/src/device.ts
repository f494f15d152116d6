/**
 * A device as it comes from the inventory, before validation. Field names follow the
 * `devices` table (camel-cased).
 */
export interface DeviceRow {
  id: string;
  name: string;
  collectorType: string;
  host: string;
  port: number | null;
  intervalMs: number;
  timeoutMs: number;
  enabled: boolean;
  /** Collector options, as stored (JSON object). Validated by the collector. */
  options: unknown;
  credentialsRef: string | null;
  labels: Readonly<Record<string, string>>;
  /** Changes whenever the row changes (updated_at in ms): the reconciler's change detector. */
  revision: number;
}

/** A device the poller can poll: validated, with the collector's parsed options. */
export interface DeviceSpec<TOptions = unknown> {
  readonly id: string;
  readonly name: string;
  readonly collectorType: string;
  readonly host: string;
  /** Resolved port: the row's, or the collector's default. */
  readonly port: number;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly options: TOptions;
  readonly credentialsRef: string | null;
  readonly labels: Readonly<Record<string, string>>;
  readonly revision: number;
}
