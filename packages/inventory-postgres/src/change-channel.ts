/**
 * Where the device notifications come from: a LISTEN on a PostgreSQL server connection, or on
 * the embedded PostgreSQL. The listener above it debounces, filters by schema and reconnects;
 * a channel only opens one subscription at a time and says when it is lost.
 */
export interface ChangeChannel {
  /**
   * LISTENs on `channel`. `onNotify` gets every payload (also ones arriving before this
   * resolves); `onLost` is called at most once, when the subscription dies (never for the
   * embedded one). Aborting `signal` abandons an open in progress.
   */
  open(
    channel: string,
    onNotify: (payload: string) => void,
    onLost: (err: Error) => void,
    signal: AbortSignal,
  ): Promise<ChangeSubscription>;
}

export interface ChangeSubscription {
  /** pid of the server backend holding the LISTEN, where there is one. */
  readonly backendPid: number | undefined;
  /** Stops listening and frees the connection; never rejects. */
  close(): Promise<void>;
}
