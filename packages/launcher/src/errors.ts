/**
 * The launcher's errors: one DtrainError subclass per area, each with its
 * stable codes (listed in the launcher README).
 */
import { DtrainError } from '@dtrain/topology';

/** A misuse of the command line: the message names the value and the fix; exit code 2. */
export class UsageError extends DtrainError<'E_USAGE'> {
  readonly exitCode = 2;

  constructor(message: string, options?: ErrorOptions) {
    super('E_USAGE', message, options);
  }
}

export type NetnsErrorCode =
  | 'E_NETNS_NOT_ROOT'
  | 'E_NETNS_NO_IP'
  | 'E_NETNS_ARGUMENT'
  | 'E_NETNS_NO_NETEM'
  | 'E_NETNS_COMMAND';

/** The emulated cluster (network namespaces) could not be built or torn down. */
export class NetnsError extends DtrainError<NetnsErrorCode> {}

export type RunDataErrorCode = 'E_RUN_MISSING' | 'E_RUN_SUMMARY';

/** A run directory that cannot be read back (compare, simulate --calibrate). */
export class RunDataError extends DtrainError<RunDataErrorCode> {}

/** Why `dtrain setup tensorflow` cannot go on; each message names what is missing and how to supply it. */
export type SetupErrorCode =
  | 'E_SETUP_NO_PIP'
  | 'E_SETUP_PIP_DOWNLOAD'
  | 'E_SETUP_NO_WHEEL'
  | 'E_SETUP_BAD_WHEEL'
  | 'E_SETUP_NO_UNZIP'
  | 'E_SETUP_BAD_LIBTENSORFLOW'
  | 'E_SETUP_NO_COMPILER'
  | 'E_SETUP_NO_NODE_HEADERS'
  | 'E_SETUP_NO_NODE_GYP'
  | 'E_SETUP_NO_PACKAGE'
  | 'E_SETUP_DOWNLOAD'
  | 'E_SETUP_BUILD'
  | 'E_SETUP_VERIFY'
  | 'E_SETUP_PLATFORM';

/** `dtrain setup tensorflow` could not build or check the native backend (exit code 1; the install is left as it was). */
export class SetupError extends DtrainError<SetupErrorCode> {}
