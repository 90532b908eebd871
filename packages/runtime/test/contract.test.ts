// The contract across the process boundary: records round-trip through their
// encoders and decoders, malformed ones are refused naming the field, and
// every default has one value wherever it is read.
import { describe, expect, it } from 'vitest';
import {
  ContractError,
  DEFAULT_SEED,
  DEFAULT_TIMEOUT_MS,
  DEFAULT_TOPOLOGY,
  defaultTopology,
  RECORD_KINDS,
  decodeComparisonFile,
  decodeRecord,
  decodeRecordLine,
  decodeRunSummary,
  encodeEval,
  encodeFit,
  encodeMembership,
  encodePeerLost,
  encodeProgress,
  encodeStep,
  recordLine,
  type WorkerRecord,
} from '@dtrain/runtime/contract';
import { DEFAULT_TOPOLOGY as TRAIN_DEFAULT_TOPOLOGY } from '../src/train/constants.js';
import { DEFAULT_COMM_TIMEOUT_MS } from '../src/comm/constants.js';
import { createMemoryNetwork, createSession } from '@dtrain/runtime';
import { codeOf, runSummary } from '../../../test-utils/index.js';

const samples: WorkerRecord[] = [
  encodeStep({ step: 3, loss: 0.5, computeSeconds: 0.01, commSeconds: 0.002, bytesSent: 4096, elapsedSeconds: 0.04, totalSteps: 300, samplesPerSec: 2500 }),
  encodeStep({ step: 1, loss: 2, computeSeconds: 0, commSeconds: 0, bytesSent: 0, elapsedSeconds: 0.001 }),
  encodeEval({ step: 25, localAccuracy: 0.8, averageAccuracy: null, consensusDistance: 1e-3 }),
  encodeFit({ algorithm: 'dsgd', topology: 'ring', steps: 100, stepsPerEpoch: 50, batchSize: 32, shard: 1600, params: 7850 }),
  encodeMembership({ step: 40, members: [0, 1, 3] }),
  encodeProgress({ step: 40, totalSteps: 100, elapsedSeconds: 12.5, phase: 'eval' }),
  encodeFit({ algorithm: 'dsgd', topology: 'ring', steps: 100, stepsPerEpoch: 50, batchSize: 32, shard: 1600, params: 7850, optimizer: 'Adam (compile)', loss: 'categoricalCrossentropy (compile)' }),
  encodeEval({ step: 50, localAccuracy: 0.9, averageAccuracy: 0.91, consensusDistance: 1e-4, seconds: 0.35 }),
  encodeMembership({
    step: 41, members: [0, 1, 3], epoch: 1, left: [{ rank: 2, cause: 'heartbeat', why: 'it answered no heartbeat for 10.0 s' }],
    joined: [], consensusBefore: 0.25, consensusAfter: 0.125, agreeSeconds: 0.05,
  }),
  encodePeerLost({ peer: 2, cause: 'connection', why: 'its connection dropped' }),
];

describe('NDJSON records', () => {
  it('every kind round-trips through its encoder, a line of text and the decoder, pino fields ignored', () => {
    expect(samples.map((r) => r.kind).sort()).toEqual([...RECORD_KINDS, 'step', 'fit', 'eval', 'membership'].sort());
    for (const r of samples) {
      expect(decodeRecordLine(recordLine(r))).toEqual(r);
      expect(decodeRecord({ level: 30, time: 1, pid: 7, rank: 2, msg: r.kind, ...r })).toEqual(r);
    }
  });

  it('lines that are no records decode to null: text, other kinds, a line cut short', () => {
    for (const line of ['plain text', '', '[1,2]', '{"kind":"init","rank":0}', '{"msg":"hello"}', '{"kind":"step","step":1,"lo']) {
      expect(decodeRecordLine(line)).toBeNull();
    }
  });

  it('a record of a known kind with a missing or mistyped field is refused, naming the field', () => {
    const step = { ...samples[0] } as Record<string, unknown>;
    const cases: [Record<string, unknown>, string][] = [
      [{ ...step, elapsedSeconds: undefined }, 'elapsedSeconds'],
      [{ ...step, loss: 'low' }, 'loss'],
      [{ ...step, totalSteps: null }, 'totalSteps'],
      [{ ...samples[2], consensusDistance: null }, 'consensusDistance'],
      [{ ...samples[4], members: [0, 1.5] }, 'members'],
      [{ ...samples[5], phase: 3 }, 'phase'],
      [{ ...samples[6], loss: 1 }, 'loss'],
      [{ ...samples[7], seconds: 'long' }, 'seconds'],
      [{ ...samples[samples.length - 2], left: [{ rank: 2, cause: 'heartbeat' }] }, 'why'],
      [{ ...samples[samples.length - 2], consensusAfter: 'small' }, 'consensusAfter'],
      [{ ...samples[samples.length - 1], peer: '2' }, 'peer'],
    ];
    for (const [value, field] of cases) {
      expect(codeOf(() => decodeRecord(value, 'rank-0.ndjson:7'), ContractError)).toBe('E_CONTRACT_RECORD');
      try {
        decodeRecord(value, 'rank-0.ndjson:7');
      } catch (err) {
        expect((err as ContractError).field).toBe(field);
        expect((err as ContractError).message).toContain('rank-0.ndjson:7');
      }
    }
  });
});

describe('summary.json and comparison.json', () => {
  it('a complete summary decodes to itself, extras kept; a wrong field is named', () => {
    const s = runSummary({ globalAvgPeriod: 8, compress: 'int8', outerOptimizer: 'nesterov lr=0.7 momentum=0.9', ranks: [{ rank: 0, steps: 10, meanStepSeconds: 0.02, meanCommSeconds: 0.01, bytesSent: 10, localAccuracy: null, finalLoss: 0.4 }] });
    const written: unknown = JSON.parse(JSON.stringify({ ...s, batchSize: 32 }));
    expect(decodeRunSummary(written, 'summary.json')).toEqual(written);
    // In the file's order: `dtrain launch` prints the summary table in it.
    expect(Object.keys(decodeRunSummary(written, 'summary.json'))).toEqual(Object.keys(written as object));
    expect(codeOf(() => decodeRunSummary({ ...s, dynamic: 'no' }, 'summary.json'), ContractError)).toBe('E_CONTRACT_SUMMARY');
    expect(codeOf(() => decodeRunSummary({ ...s, compress: 8 }, 'summary.json'), ContractError)).toBe('E_CONTRACT_SUMMARY');
    expect(codeOf(() => decodeRunSummary({ ...s, ranks: [{ rank: 0 }] }, 'summary.json'), ContractError)).toBe('E_CONTRACT_SUMMARY');
    expect(codeOf(() => decodeRunSummary([], 'summary.json'), ContractError)).toBe('E_CONTRACT_SUMMARY');
  });

  it('comparison.json: runs, failed and setup are checked', () => {
    const file = { runs: [{ label: 'psgd', dir: '/o/psgd' }], failed: [{ label: 'dsgd:ring', exitCode: 1, log: '/o/l' }], setup: { nodes: 4 } };
    expect(decodeComparisonFile(file, 'c.json')).toEqual(file);
    expect(decodeComparisonFile({ runs: [] }, 'c.json')).toEqual({ runs: [], failed: [], setup: {} });
    expect(codeOf(() => decodeComparisonFile({ ...file, failed: [{ label: 'x' }] }, 'c.json'), ContractError)).toBe('E_CONTRACT_COMPARISON');
    expect(codeOf(() => decodeComparisonFile({ setup: {} }, 'c.json'), ContractError)).toBe('E_CONTRACT_COMPARISON');
  });
});

describe('defaults: one value each', () => {
  it('the training loop and the communicator use the contract\'s values (the launcher: env.test.ts)', () => {
    expect(TRAIN_DEFAULT_TOPOLOGY).toBe(DEFAULT_TOPOLOGY);
    expect(DEFAULT_TOPOLOGY).toBe('onepeer-exp');
    // One process exchanges nothing, and the one-peer graph needs two nodes: it gets the one-node ring.
    expect(defaultTopology(1)).toBe('ring');
    expect(defaultTopology(2)).toBe(DEFAULT_TOPOLOGY);
    const pair = createMemoryNetwork(2).map((transport) => createSession({ transport }));
    expect(pair.map((s) => s.topology)).toEqual(['onepeer-exp', 'onepeer-exp']);
    const [solo] = createMemoryNetwork(1).map((transport) => createSession({ transport }));
    expect(solo.topology).toBe('ring');
    expect(DEFAULT_SEED).toBe(0);
    // The communicator's own default (used when a transport gives none) is the same wait.
    expect(DEFAULT_COMM_TIMEOUT_MS).toBe(DEFAULT_TIMEOUT_MS);
  });
});
