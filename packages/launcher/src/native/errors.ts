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

export class SetupError extends Error {
  override readonly name = 'SetupError';
  constructor(
    readonly code: SetupErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
