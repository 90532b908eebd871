/** A misuse of the command line: the message names the value and the fix; exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code = 'E_USAGE';
  readonly exitCode = 2;
}
