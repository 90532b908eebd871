/** Communicator defaults, in one place. */

/** Floats per frame when a vector is streamed in chunks (4 MiB of float32). */
export const DEFAULT_CHUNK_FLOATS = 1 << 20;
/**
 * Floats a frame may carry beyond a chunk or the model (push-sum's weight,
 * allgather rows): with the chunk, the bound a worker sets on what it accepts.
 */
export const FRAME_SLACK_FLOATS = 1024;
/**
 * Chunks of one operation in flight at once (each holds its own receive
 * buffers). 8 keeps the link busy while chunks wait for their
 * acknowledgement and their combine, and lets one ring allreduce of up to
 * 8 chunks per segment run in a single wave.
 */
export const DEFAULT_LANES = 8;
/** Default receive deadline, measured from when each receive starts. */
export const DEFAULT_COMM_TIMEOUT_MS = 30_000;
/**
 * Tag layout: every operation within one iteration gets its own block of
 * TAGS_PER_OP tags (tag = op * TAGS_PER_OP + local), so concurrent or
 * successive operations never share an (iter, tag) pair.
 */
export const TAGS_PER_OP = 2 ** 32;
/** Operations allowed within one iteration (keeps tags below 2^53). */
export const MAX_OPS_PER_ITERATION = 2 ** 20;
