/** A misuse of the command line: the message names the value and the fix; exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code = 'E_USAGE';
  readonly exitCode = 2;
}

export type NetnsErrorCode =
  | 'E_NETNS_NOT_ROOT'
  | 'E_NETNS_NO_IP'
  | 'E_NETNS_ARGUMENT'
  | 'E_NETNS_NO_NETEM'
  | 'E_NETNS_COMMAND';

/** The emulated cluster (network namespaces) could not be built or torn down. */
export class NetnsError extends Error {
  override readonly name = 'NetnsError';
  constructor(
    readonly code: NetnsErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export type RunDataErrorCode = 'E_RUN_MISSING' | 'E_RUN_SUMMARY' | 'E_RUN_FAILED';

/** A run directory that cannot be read back (compare, simulate --calibrate), or a run that failed. */
export class RunDataError extends Error {
  override readonly name = 'RunDataError';
  constructor(
    readonly code: RunDataErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
