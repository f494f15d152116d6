/**
 * Which devices this pod schedules. `RendezvousOwnership` gives each pod its share of a
 * `Membership`; with `ownEverything` every pod considers every device and the lease decides.
 */
export interface OwnershipFilter {
  owns(deviceId: string): boolean;
  /** Called when the answer for some devices may have changed; returns an unsubscribe. */
  onChange(listener: () => void): () => void;
}

export const ownEverything: OwnershipFilter = {
  owns: () => true,
  onChange: () => () => {},
};
