/** Transport defaults, in one place. */

/** Default wait for a receive, a send's acknowledgement or a peer check. */
export const DEFAULT_TIMEOUT_MS = 30_000;
/** Largest body accepted, in float32 elements (1 GiB). */
export const DEFAULT_MAX_ELEMENTS = 2 ** 28;
/** Largest encoded header accepted, in bytes. */
export const MAX_HEADER_BYTES = 512;
/** Bytes of the Poly1305 tag that authenticates a frame's header and body. */
export const MAC_BYTES = 16;
/** Unacknowledged body bytes allowed in flight to one peer before send() waits. */
export const DEFAULT_MAX_INFLIGHT_BYTES = 256 * 1024 * 1024;
/** How long a dropped connection may stay down before its peer counts as lost. */
export const DEFAULT_LOST_GRACE_MS = 500;
/** Socket linger on close, in ms: small so processes exit promptly. */
export const CLOSE_LINGER_MS = 50;
/** On close, how long a 'bye' on a DEALER may wait to be queued. */
export const CLOSE_BYE_WAIT_MS = 100;
/**
 * On close, how long the ROUTER may keep sending the acknowledgements and
 * 'bye' frames already queued (ZMQ_LINGER); it only lasts that long when a
 * peer stops reading.
 */
export const CLOSE_FLUSH_LINGER_MS = 1_000;
/** ZMTP heartbeats: detect a silent peer (host down, cable pulled) without traffic. */
export const HEARTBEAT_INTERVAL_MS = 1_000;
export const HEARTBEAT_TIMEOUT_MS = 5_000;
/**
 * dtrain's own heartbeat (link.ts): a Link that heard nothing from its peer
 * for an interval sends an authenticated ping; a peer that answers nothing
 * for HEARTBEAT_MISSES intervals is lost. ZeroMQ's ZMTP heartbeat above
 * cannot see a stopped process: the kernel still accepts its connections.
 */
export const DEFAULT_HEARTBEAT_MS = 2_000;
export const HEARTBEAT_MISSES = 5;
/** The `ref` of a ROUTER's 'bye' that tells a peer it was excluded from the membership (0: a plain close). */
export const BYE_EXCLUDED = 1;
/** Format version written in every header. */
export const FRAME_VERSION = 2;
/**
 * A data frame or ping not acknowledged after this long is sent again (then
 * after twice as long, ...), so a frame dropped on the way (a changed bit, a
 * lost connection) costs a delay, not the job. Capped below by
 * MIN_RETRANSMIT_MS and at a quarter of the timeout.
 */
export const DEFAULT_RETRANSMIT_MS = 5_000;
export const MIN_RETRANSMIT_MS = 50;
/** Largest part a DEALER accepts (it only receives acks, pongs and byes). */
export const MAX_REPLY_PART_BYTES = 4 * 1024;
/** Drops of one reason are logged at counts 1, 10, 100, ... so a flood cannot flood the log. */
export const DROP_LOG_BASE = 10;
