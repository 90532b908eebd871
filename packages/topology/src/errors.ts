/** Stable error codes of the topology package; tests check these, not messages. */
export type TopologyErrorCode =
  | 'E_TOPOLOGY_UNKNOWN'
  | 'E_TOPOLOGY_NODES'
  | 'E_TOPOLOGY_OPTION'
  | 'E_TOPOLOGY_MATRIX'
  | 'E_TOPOLOGY_SCHEDULE';

/** Every invalid request to the topology package throws this, naming values and the fix. */
export class TopologyError extends Error {
  override readonly name = 'TopologyError';
  readonly code: TopologyErrorCode;

  constructor(code: TopologyErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
