/**
 * The one base class of every dtrain error: a stable `code` (tests and
 * callers check it, never the message), a message that names the values
 * seen and the fix, and an optional `cause`. Each package subclasses it
 * once per area (TopologyError here; runtime and launcher errors.ts).
 */
export class DtrainError<Code extends string = string> extends Error {
  constructor(
    readonly code: Code,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    // The subclass's name, so that `err.name` and stack traces say which area failed.
    this.name = new.target.name;
  }
}

/** Stable error codes of the topology package; tests check these, not messages. */
export type TopologyErrorCode =
  | 'E_TOPOLOGY_UNKNOWN'
  | 'E_TOPOLOGY_NODES'
  | 'E_TOPOLOGY_OPTION'
  | 'E_TOPOLOGY_MATRIX'
  | 'E_TOPOLOGY_SCHEDULE';

/** Every invalid request to the topology package throws this, naming values and the fix. */
export class TopologyError extends DtrainError<TopologyErrorCode> {}
