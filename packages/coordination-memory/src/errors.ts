import { PollfleetError } from '@pollfleet/core';

/** A result was published after the in-memory bus was closed (the poller is stopping). */
export class MemoryBusClosedError extends PollfleetError {
  constructor() {
    super('BUS_CLOSED', 'memory bus is closed');
  }
}
