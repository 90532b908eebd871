/**
 * Helpers shared by every package's tests: free ports, temporary
 * directories, error codes, small graphs, and the files a run writes
 * (summary.json, NDJSON records) built through the runtime's contract. One copy each; tests import
 * them from here (a relative path: this is no package and ships nowhere).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeFit, encodeStep, type FitLine, type RunSummary, type StepLine } from '@dtrain/runtime/contract';

/** A TCP port free on 127.0.0.1 right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const dirs: string[] = [];

/** A fresh directory under the system's temporary directory; removeTempDirs() deletes every one made so far. */
export function tempDir(prefix = 'dtrain-test-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

/** Delete the directories tempDir made (for afterAll / afterEach). */
export function removeTempDirs(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * The `code` of what `f` throws: undefined when it returns; when a class is
 * given and the error is not one of it, a string that says so (so that an
 * assertion on the code fails and shows what was thrown).
 */
export function codeOf(f: () => unknown, kind?: ErrorClass): string | undefined {
  try {
    f();
  } catch (err) {
    if (kind !== undefined && !(err instanceof kind)) return `not a ${kind.name}: ${String(err)}`;
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' ? code : `no code: ${String(err)}`;
  }
  return undefined;
}

/** Ring with weight 1/3 on self and both neighbours (symmetric, doubly stochastic); row i = what node i receives. */
export function ringMatrix(n: number): number[][] {
  const W = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    W[i][i] += 1 / 3;
    W[i][(i + 1) % n] += 1 / 3;
    W[i][(i + n - 1) % n] += 1 / 3;
  }
  return W;
}

/** A directed cycle 0 -> from -> from+1 -> ... -> n-1 -> 0, so every node is reachable. */
export function cycleEdges(n: number, from = 1): Array<[number, number]> {
  const edges: Array<[number, number]> = [[0, from]];
  for (let i = from; i < n - 1; i++) edges.push([i, i + 1]);
  edges.push([n - 1, 0]);
  return edges;
}

/** A complete summary.json record: plausible figures for a short run, `over` wins. */
export function runSummary(over: Partial<RunSummary> = {}): RunSummary {
  const topology = over.topology ?? 'ring';
  return {
    algorithm: 'dsgd', topology, schedule: topology, dynamic: false, rounds: 1, overlap: false, backend: 'cpu', seed: 0,
    nodes: 2, steps: 10, wallClockSeconds: 1, meanStepSeconds: 0.02, meanCommSeconds: 0.01, meanComputeSeconds: 0.01,
    finalLoss: 0.5, finalAccuracy: 0.9, finalLocalAccuracy: null, consensusDistance: 0, ranks: [],
    ...over,
  };
}

/** A step record with zero timings unless given; elapsedSeconds defaults to the sum of the step's seconds so far. */
export function stepLine(over: Partial<Omit<StepLine, 'kind'>> & { step: number }): StepLine {
  const computeSeconds = over.computeSeconds ?? 0;
  const commSeconds = over.commSeconds ?? 0;
  return encodeStep({
    loss: 1, bytesSent: 0, elapsedSeconds: over.step * (computeSeconds + commSeconds),
    ...over, computeSeconds, commSeconds,
  });
}

/** The fit record of a run with `params` parameters. */
export function fitLine(params: number): FitLine {
  return encodeFit({ algorithm: 'dsgd', topology: 'ring', steps: 10, stepsPerEpoch: 10, batchSize: 32, shard: 320, params });
}
