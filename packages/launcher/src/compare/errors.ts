/** RunDataError lives in ../errors.ts (one errors module per package); re-exported for older imports. */
export { RunDataError, type RunDataErrorCode } from '../errors.js';
