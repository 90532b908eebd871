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
 * buffers). Two keep the link busy while one chunk waits for its
 * acknowledgement and its combine. More buy nothing on a link that two
 * 4 MiB chunks fill, and cost memory: every received chunk still alive is
 * promoted out of the young generation, where the transport's scavenges
 * (transport/release.ts) cannot free it. Measured with `dtrain bench comm`,
 * 25.6M floats, n = 2 (docs/benchmarks.md): 8 lanes, 2 full collections and
 * about 44 ms of GC per exchange; 2 lanes, none and about 9 ms.
 */
export const DEFAULT_LANES = 2;
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
