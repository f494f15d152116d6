/** A poll in flight; `forgotten` turns true if its device is forgotten meanwhile. */
export interface InFlightPoll {
  forgotten: boolean;
}

/**
 * For collectors: `forget(deviceId)` can come while a poll of that device is still running
 * (the device was removed, or its lease lost). Whatever that poll stores afterwards (a
 * connection, a session, a rate sample) would undo the forget. Mark polls on entry, and on exit
 * drop the device's state again when {@link end} says it was forgotten meanwhile.
 */
export class InFlightPolls {
  readonly #polls = new Map<string, InFlightPoll>();

  begin(deviceId: string): InFlightPoll {
    const poll = { forgotten: false };
    this.#polls.set(deviceId, poll);
    return poll;
  }

  /** True when the device was forgotten while `poll` ran: drop its state now. */
  end(deviceId: string, poll: InFlightPoll): boolean {
    if (this.#polls.get(deviceId) === poll) this.#polls.delete(deviceId);
    return poll.forgotten;
  }

  forgotten(deviceId: string): void {
    const poll = this.#polls.get(deviceId);
    if (poll) poll.forgotten = true;
  }
}
