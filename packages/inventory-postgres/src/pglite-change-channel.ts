import type { PGlite } from '@electric-sql/pglite';
import type { ChangeChannel, ChangeSubscription } from './change-channel.js';

/**
 * LISTEN on the embedded PostgreSQL. It is in-process, so the subscription cannot be lost and
 * there is nothing to reconnect; a NOTIFY from any statement on it reaches `onNotify` once the
 * statement's transaction commits.
 */
export class PGliteChangeChannel implements ChangeChannel {
  readonly #open: () => Promise<PGlite>;

  constructor(open: () => Promise<PGlite>) {
    this.#open = open;
  }

  async open(
    channel: string,
    onNotify: (payload: string) => void,
    _onLost: (err: Error) => void,
    signal: AbortSignal,
  ): Promise<ChangeSubscription> {
    const pglite = await this.#open();
    // PGlite calls back from a microtask; the listener guards its own state.
    const unlisten = await pglite.listen(channel, onNotify);
    let closed = false;
    const sub: ChangeSubscription = {
      backendPid: undefined,
      async close(): Promise<void> {
        if (closed) return;
        closed = true;
        // Once the database is closed its listeners are gone with it.
        if (pglite.closed) return;
        try {
          await unlisten();
        } catch {
          // Closing underneath us: nothing left to release.
        }
      },
    };
    if (signal.aborted) {
      await sub.close();
      throw new Error('aborted');
    }
    return sub;
  }
}
