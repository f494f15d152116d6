import type { DeviceRow } from '@pollfleet/core';

/** A `devices` row as selected by PostgresInventory (revision computed in SQL). */
export interface DeviceRecord {
  id: string;
  name: string;
  collector_type: string;
  host: string;
  port: number | null;
  interval_ms: number;
  timeout_ms: number;
  enabled: boolean;
  options: unknown;
  credentials_ref: string | null;
  labels: unknown;
  revision: number | string;
}

/**
 * Maps a row to a DeviceRow without throwing: odd JSON (labels that are not an object, label
 * values that are not strings) is coerced, and `options` is passed through for the collector
 * to validate, so one bad row never hides the others.
 */
export function toDeviceRow(r: DeviceRecord): DeviceRow {
  return {
    id: String(r.id),
    name: r.name,
    collectorType: r.collector_type,
    host: r.host,
    port: r.port,
    intervalMs: r.interval_ms,
    timeoutMs: r.timeout_ms,
    enabled: r.enabled,
    options: r.options,
    credentialsRef: r.credentials_ref,
    labels: toLabels(r.labels),
    revision: Number(r.revision),
  };
}

/**
 * Labels must be a JSON object; anything else reads as no labels. Values: strings as is,
 * numbers and booleans stringified, objects and arrays as JSON text, null dropped.
 */
export function toLabels(value: unknown): Record<string, string> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (v === null || v === undefined) continue;
    if (typeof v === 'string') out[k] = v;
    else if (typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
    else out[k] = JSON.stringify(v);
  }
  return out;
}
