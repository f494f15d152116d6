import { PollfleetError } from '@pollfleet/core';

/** Stable codes of the lab's failures. */
export const LabErrorCode = {
  /** A lab or device option that cannot be used; the message names the field. */
  Config: 'LAB_CONFIG_INVALID',
  /** A simulated device's UDP or TCP port could not be bound (in use, or not a loopback address). */
  Bind: 'LAB_BIND_FAILED',
  /** The installed net-snmp lacks an internal the agent relies on (after an upgrade). */
  Agent: 'LAB_AGENT_UNSUPPORTED',
} as const;

/** A lab or device option that cannot be used. */
export class LabConfigError extends PollfleetError {
  readonly field: string;
  constructor(field: string, message: string) {
    super(LabErrorCode.Config, `${field}: ${message}`);
    this.field = field;
  }
}

/** A simulated device could not open its socket (UDP for SNMP, TCP for RouterOS). */
export class LabBindError extends PollfleetError {
  readonly port: number;
  constructor(port: number, cause: unknown, what = 'a simulated SNMP device') {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(
      LabErrorCode.Bind,
      `cannot bind 127.0.0.1:${port} for ${what} (${why}); ` +
        'choose another basePort, or 0 for any free port',
      { cause },
    );
    this.port = port;
  }
}

/** net-snmp no longer has an internal the lab's agent needs; pin net-snmp or adapt snmp-agent.ts. */
export class LabAgentError extends PollfleetError {
  constructor(message: string) {
    super(LabErrorCode.Agent, message);
  }
}
