/**
 * Errors of comparisons and the simulator (stable `code`s; the message names
 * the value seen and the fix). Kept here until they move into ../errors.ts.
 */
export type RunDataErrorCode = 'E_RUN_MISSING' | 'E_RUN_SUMMARY' | 'E_RUN_FAILED';

/** A run directory that cannot be read back, or a run that failed. */
export class RunDataError extends Error {
  override readonly name = 'RunDataError';
  constructor(
    readonly code: RunDataErrorCode,
    message: string,
  ) {
    super(message);
  }
}
