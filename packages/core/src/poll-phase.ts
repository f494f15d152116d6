/**
 * A device's polls fall on fixed slots: epoch times t with (t - phase) mod interval = 0. The
 * phase is derived from the device id alone, so polls spread evenly across the interval and
 * every pod computes the same slots (a device that moves to another pod keeps its rhythm, and
 * `deviceId + scheduledFor` identifies one poll fleet-wide).
 */
export function phaseOf(deviceId: string, intervalMs: number): number {
  // FNV-1a, 32 bit: cheap, well spread for short ids.
  let h = 0x811c9dc5;
  for (let i = 0; i < deviceId.length; i++) {
    h ^= deviceId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % intervalMs;
}

/** The first slot at or after `t`. */
export function slotAtOrAfter(t: number, phase: number, intervalMs: number): number {
  const k = Math.ceil((t - phase) / intervalMs);
  return phase + k * intervalMs;
}

/** The last slot at or before `t`. */
export function slotAtOrBefore(t: number, phase: number, intervalMs: number): number {
  const k = Math.floor((t - phase) / intervalMs);
  return phase + k * intervalMs;
}
