/**
 * The run options that travel as DTRAIN_* variables (env.ts reads and
 * writes them): one field of RunOptions and one row of RUN_OPTION_VARS each.
 */

/** Run options that travel as DTRAIN_* variables; all optional. */
export interface RunOptions {
  algorithm?: string;
  topology?: string;
  backend?: string;
  seed?: number;
  /** Output directory (logs, summary.json, checkpoints). */
  out?: string;
  /** Network interface to bind / advertise. */
  iface?: string;
  /** Receive / rendezvous timeout in milliseconds. */
  timeoutMs?: number;
  /** Gossip-PGA: a global average every this many iterations. */
  globalAvgPeriod?: number;
  /** dsgd / pga: overlap the neighbour exchange with the gradient (DTRAIN_OVERLAP=1). */
  overlap?: boolean;
  /** Channel protection, 'mac' (default) or 'curve' (DTRAIN_SECURE); checked by init(). */
  secure?: string;
  /** Compressed communication: fp32, fp16, bf16, int8, topk:F (DTRAIN_COMPRESS). */
  compress?: string;
  /** CHOCO's consensus step size gamma with compressed gossip (DTRAIN_CONSENSUS_STEP). */
  consensusStep?: number;
  /** local-sgd / pga / diloco-gossip: 'sgd' or 'nesterov' on the pseudo-gradient (DTRAIN_OUTER_OPTIMIZER). */
  outerOptimizer?: string;
  outerLr?: number;
  outerMomentum?: number;
  /** Checkpoints in the output directory: 'auto' (resume when there are some), 'never' (start over), 'must' (DTRAIN_RESUME). */
  resume?: string;
  /**
   * Also append this rank's NDJSON records to OUT/rank-<rank>.ndjson
   * (DTRAIN_LOG_RECORDS=1), where no launcher collects stdout: compose, Kubernetes.
   */
  logRecords?: boolean;
  /** Heartbeat interval of every link in ms (DTRAIN_HEARTBEAT_MS; 0: none); a peer silent for 5 intervals is lost. */
  heartbeatMs?: number;
  /** Elastic membership (DTRAIN_ELASTIC=1): survivors of a lost rank agree on a new membership and go on. */
  elastic?: boolean;
  /** With elastic: fewest live ranks the job goes on with (DTRAIN_MIN_NODES). */
  minNodes?: number;
}

export type OptionKind = 'string' | 'int' | 'bool' | 'number';
/** One table for the run-option variables: add a field here and in RunOptions. */
export const RUN_OPTION_VARS: Readonly<Record<keyof RunOptions, { name: string; kind: OptionKind }>> = {
  algorithm: { name: 'DTRAIN_ALGORITHM', kind: 'string' },
  topology: { name: 'DTRAIN_TOPOLOGY', kind: 'string' },
  backend: { name: 'DTRAIN_BACKEND', kind: 'string' },
  seed: { name: 'DTRAIN_SEED', kind: 'int' },
  out: { name: 'DTRAIN_OUT', kind: 'string' },
  iface: { name: 'DTRAIN_IFACE', kind: 'string' },
  timeoutMs: { name: 'DTRAIN_TIMEOUT_MS', kind: 'int' },
  globalAvgPeriod: { name: 'DTRAIN_GLOBAL_AVG_PERIOD', kind: 'int' },
  overlap: { name: 'DTRAIN_OVERLAP', kind: 'bool' },
  secure: { name: 'DTRAIN_SECURE', kind: 'string' },
  compress: { name: 'DTRAIN_COMPRESS', kind: 'string' },
  consensusStep: { name: 'DTRAIN_CONSENSUS_STEP', kind: 'number' },
  outerOptimizer: { name: 'DTRAIN_OUTER_OPTIMIZER', kind: 'string' },
  outerLr: { name: 'DTRAIN_OUTER_LR', kind: 'number' },
  outerMomentum: { name: 'DTRAIN_OUTER_MOMENTUM', kind: 'number' },
  resume: { name: 'DTRAIN_RESUME', kind: 'string' },
  logRecords: { name: 'DTRAIN_LOG_RECORDS', kind: 'bool' },
  heartbeatMs: { name: 'DTRAIN_HEARTBEAT_MS', kind: 'int' },
  elastic: { name: 'DTRAIN_ELASTIC', kind: 'bool' },
  minNodes: { name: 'DTRAIN_MIN_NODES', kind: 'int' },
};
