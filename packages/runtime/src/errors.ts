/**
 * The runtime's errors: one DtrainError subclass per area, each with its
 * stable codes (listed in the runtime README). Tests check `code`, never
 * the message; messages name the values seen and the fix.
 */
import { DtrainError } from '@dtrain/topology';

/** A worker's environment contract is missing or invalid; `variable` names the culprit. */
export class WorkerEnvError extends DtrainError<'E_WORKER_ENV'> {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super('E_WORKER_ENV', message);
  }
}

/** Stable codes of ContractError. */
export type ContractErrorCode = 'E_CONTRACT_RECORD' | 'E_CONTRACT_SUMMARY' | 'E_CONTRACT_COMPARISON';

/**
 * A record, summary.json or comparison.json read from another process does
 * not have the shape the contract gives it; `field` names the first wrong one.
 */
export class ContractError extends DtrainError<ContractErrorCode> {
  constructor(
    code: ContractErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(code, message);
  }
}

/** Stable codes of transport errors; tests check these, not messages. */
export type PeerErrorCode = 'E_PEER_TIMEOUT' | 'E_PEER_LOST';

/**
 * A peer did not deliver in time (`E_PEER_TIMEOUT`) or is known to be gone
 * (`E_PEER_LOST`: its process exited, its connection dropped, or it closed).
 * Names the peer's rank, its address and the iteration waited for.
 */
export class PeerError extends DtrainError<PeerErrorCode> {
  constructor(
    code: PeerErrorCode,
    readonly peer: number,
    readonly address: string,
    readonly iteration: number,
    message: string,
    options?: ErrorOptions,
  ) {
    super(code, message, options);
  }
}

export type FrameErrorCode = 'E_FRAME_INVALID' | 'E_FRAME_TOO_LARGE';

/** A frame this process was asked to send cannot be encoded (bad field, too large). */
export class FrameError extends DtrainError<FrameErrorCode> {}

export type RendezvousErrorCode =
  | 'E_RENDEZVOUS_TIMEOUT'
  | 'E_RENDEZVOUS_REFUSED'
  | 'E_RENDEZVOUS_ADDRESS'
  | 'E_RENDEZVOUS_CONFIG';

/** Workers could not learn each other's addresses from rank 0. */
export class RendezvousError extends DtrainError<RendezvousErrorCode> {}

export type TransportErrorCode =
  | 'E_TRANSPORT_CLOSED'
  | 'E_TRANSPORT_ARGUMENT'
  | 'E_TRANSPORT_STALE'
  | 'E_TRANSPORT_UNREACHABLE'
  | 'E_TRANSPORT_IFACE';

/** Misuse of a transport, or a transport that cannot reach the peers it needs. */
export class TransportError extends DtrainError<TransportErrorCode> {}

/** Stable codes of BackendError. */
export type BackendErrorCode = 'E_BACKEND_UNAVAILABLE' | 'E_BACKEND_UNKNOWN' | 'E_BACKEND_INIT' | 'E_BACKEND_NO_GPU';

/** A TensorFlow.js backend was named that is not installed, not known, or failed its first op. */
export class BackendError extends DtrainError<BackendErrorCode> {}

/** Stable codes of DataError. */
export type DataErrorCode = 'E_DATA_MISSING' | 'E_DATA_FORMAT' | 'E_DATA_OPTION' | 'E_DATA_SHARD';

/** A data file is missing or malformed, or a data/sharding option is invalid; `file` names it when there is one. */
export class DataError extends DtrainError<DataErrorCode> {
  constructor(
    code: DataErrorCode,
    message: string,
    readonly file?: string,
  ) {
    super(code, message);
  }
}

/** Stable codes of ModelError. */
export type ModelErrorCode = 'E_MODEL_UNKNOWN' | 'E_MODEL_SHAPE' | 'E_PARAMS_LENGTH' | 'E_MODEL_IO';

/** An unknown model name, an input shape a model cannot take, a parameter vector of the wrong length, or model files that cannot be read or written. */
export class ModelError extends DtrainError<ModelErrorCode> {}

/** Stable codes of CommError. */
export type CommErrorCode =
  | 'E_COMM_ARGUMENT'
  | 'E_COMM_ITERATION'
  | 'E_COMM_SCHEDULE'
  | 'E_COMM_LENGTH';

/**
 * Misuse of the Communicator (a bad option, an iteration that went backwards,
 * a schedule for another world size) or a peer that sent a vector of another
 * length; `peer` names the rank when one is involved.
 */
export class CommError extends DtrainError<CommErrorCode> {
  constructor(
    code: CommErrorCode,
    message: string,
    readonly peer?: number,
  ) {
    super(code, message);
  }
}

/** Stable codes of AlgorithmError. */
export type AlgorithmErrorCode = 'E_ALGORITHM_UNKNOWN' | 'E_ALGORITHM_TOPOLOGY' | 'E_ALGORITHM_OPTION';

/**
 * An unknown algorithm name, an algorithm paired with a topology it cannot
 * run on (refused before training starts, naming why), or a bad algorithm
 * option (e.g. rounds for an algorithm that does not gossip).
 */
export class AlgorithmError extends DtrainError<AlgorithmErrorCode> {}

/** Stable codes of TrainError. */
export type TrainErrorCode = 'E_TRAIN_OPTION' | 'E_TRAIN_MODEL' | 'E_TRAIN_STATE' | 'E_TRAIN_DATA';

/** A bad training option, a model/loss the loop cannot train, an API used out of order, or training data of a kind fit does not take. */
export class TrainError extends DtrainError<TrainErrorCode> {}

/** Stable codes of CheckpointError. */
export type CheckpointErrorCode = 'E_CHECKPOINT_FORMAT' | 'E_CHECKPOINT_MISMATCH' | 'E_CHECKPOINT_MISSING';

/** A checkpoint file is corrupt, belongs to another run (algorithm, size, model), or is missing on some rank. */
export class CheckpointError extends DtrainError<CheckpointErrorCode> {
  constructor(
    code: CheckpointErrorCode,
    message: string,
    readonly file?: string,
  ) {
    super(code, message);
  }
}

/** Stable codes of ElasticError. */
export type ElasticErrorCode = 'E_ELASTIC_INTERRUPTED' | 'E_ELASTIC_EXCLUDED' | 'E_ELASTIC_QUORUM' | 'E_ELASTIC_MIN_NODES' | 'E_ELASTIC_OPTION';

/**
 * Elastic membership (docs/elastic.md): an operation interrupted by a
 * membership change (`E_ELASTIC_INTERRUPTED`, absorbed by the training loop),
 * this rank removed by the others (`E_ELASTIC_EXCLUDED`), too few ranks left
 * to go on (`E_ELASTIC_QUORUM`: half or fewer of the last membership;
 * `E_ELASTIC_MIN_NODES`: below --min-nodes), or an algorithm or option that
 * cannot run elastically (`E_ELASTIC_OPTION`).
 */
export class ElasticError extends DtrainError<ElasticErrorCode> {}
