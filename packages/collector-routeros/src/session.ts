import type { PollDeadline } from './poll-deadline.js';

/**
 * What the collector needs from a transport: prints, a health flag and close. The API
 * connection and the REST session both provide it, so one collector serves both kinds of router.
 */
export interface RouterOsSession {
  /** False once the session failed for good; the owner opens a new one. */
  readonly usable: boolean;
  /**
   * The items of `<path>/print` (`path` like `/interface`), only `proplist` properties when
   * given. A refusal by the router rejects with `RouterOsTrapError`. `deadline` (the poll's)
   * caps the command's timeout, so a poll that runs out says which command was waiting.
   */
  print(
    path: string,
    proplist: readonly string[] | undefined,
    signal: AbortSignal,
    deadline?: PollDeadline,
  ): Promise<Record<string, string>[]>;
  close(): void;
}
