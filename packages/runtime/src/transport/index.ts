export type {
  CheckOptions,
  DropReason,
  FrameHeader,
  FrameKind,
  RecvOptions,
  Transport,
  TransportStats,
} from './types.js';
export { DROP_REASONS } from './types.js';
export { createMemoryNetwork, type MemoryNetworkOptions } from './memory.js';
export { connectZmqTransport, type ZmqConnectOptions } from './connect.js';
export { checkPeers } from './check.js';
export { encodeFrame, decodeFrame, frameKey, senderKey, newInstance, Keyring, spaceOf, type Channel, type Space, type Frame, type DataFrame, type ControlFrame, type Decoded, type DecodeContext, type FrameCodec, type HeaderFields } from './frame.js';
export { SECURE_MODES, DEFAULT_SECURE, type SecureMode } from './secure.js';
export { DEFAULT_TIMEOUT_MS, DEFAULT_MAX_ELEMENTS, DEFAULT_MAX_INFLIGHT_BYTES } from './constants.js';
export { chooseLocalAddress, parseHostPort } from './address.js';
export { encode, decodeInto, checkPacked, packedBytes, topkCount, WIRE_DTYPES, I8_BLOCK, type Codec, type Packed, type WireDtype } from './codec.js';
export { COMPRESS_CHOICES, compressProblem, parseCompress, defaultConsensusStep } from './compress-spec.js';
