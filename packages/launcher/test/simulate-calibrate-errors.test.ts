// `dtrain simulate --calibrate DIR` with a directory that is missing or holds
// no readable run: a usage error (exit 2) naming the directory and the fix;
// and the package index exposing the compare/report/simulate API.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fitLine, runSummary, stepLine } from '../../../test-utils/index.js';
import { exitCodeFor } from '../src/cli.js';
import { RunDataError as CompareRunDataError } from '../src/compare/errors.js';
import * as launcher from '../src/index.js';

const root = mkdtempSync(join(tmpdir(), 'dtrain-calibrate-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const base: launcher.SimulateOptionsRaw = { configs: 'psgd,dsgd:onepeer-exp', latencyUs: '50', bytesPerParam: '4', seed: '0', nodes: '8' };

/** The error runSimulate throws, or a failure when it throws none. */
function thrown(raw: launcher.SimulateOptionsRaw): Error {
  try {
    launcher.runSimulate(raw);
  } catch (err) {
    return err as Error;
  }
  throw new Error('runSimulate did not throw');
}

describe('simulate --calibrate with no usable run', () => {
  it('a directory that does not exist: exit 2, names it and the fix', () => {
    const dir = join(root, 'nosuch');
    const err = thrown({ ...base, calibrate: dir });
    expect(err).toBeInstanceOf(launcher.UsageError);
    expect(exitCodeFor(err)).toBe(2);
    expect(err.message).toContain(dir);
    expect(err.message).toMatch(/no such directory/);
    expect(err.message).toMatch(/--out/);
  });

  it('a directory without summary.json: exit 2, the cause kept', () => {
    const dir = join(root, 'empty');
    mkdirSync(dir);
    const err = thrown({ ...base, calibrate: dir });
    expect(exitCodeFor(err)).toBe(2);
    expect(err.message).toContain(join(dir, 'summary.json'));
    expect((err.cause as launcher.RunDataError).code).toBe('E_RUN_MISSING');
  });

  it('a summary.json that is not a run summary: exit 2, names the field', () => {
    const dir = join(root, 'bad');
    mkdirSync(dir);
    writeFileSync(join(dir, 'summary.json'), JSON.stringify({ algorithm: 'psgd' }));
    const err = thrown({ ...base, calibrate: dir });
    expect(exitCodeFor(err)).toBe(2);
    expect((err.cause as launcher.RunDataError).code).toBe('E_RUN_SUMMARY');
    expect(err.message).toContain(dir);
  });

  it('other failures keep exit 1: RunDataError itself is not a usage error', () => {
    expect(exitCodeFor(new launcher.RunDataError('E_RUN_MISSING', 'x'))).toBe(1);
  });
});

describe('package index', () => {
  it('RunDataError is one class, from errors.ts, also reachable through compare/errors', () => {
    expect(CompareRunDataError).toBe(launcher.RunDataError);
  });

  it('exposes the compare/report/simulate API: a comparison of one run read back from disk', async () => {
    const dir = join(root, 'run');
    mkdirSync(dir);
    const summary = runSummary({ algorithm: 'psgd', topology: 'ring', nodes: 2, steps: 2 });
    writeFileSync(join(dir, 'summary.json'), JSON.stringify(summary));
    const lines = [fitLine(10), stepLine({ step: 1, loss: 1, computeSeconds: 0.01, commSeconds: 0.01, bytesSent: 80 }), stepLine({ step: 2, loss: 0.5, computeSeconds: 0.01, commSeconds: 0.01, bytesSent: 80 }), { kind: 'eval', step: 2, localAccuracy: 0.9, averageAccuracy: 0.9, consensusDistance: 0 }];
    for (const r of [0, 1]) writeFileSync(join(dir, `rank-${r}.ndjson`), `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
    const run = launcher.readRunDir(dir, 'psgd');
    const cmp = launcher.buildComparison([run]);
    expect(JSON.stringify(cmp)).toContain('"psgd"');
    expect(launcher.comparisonMarkdown(cmp)).toContain('psgd');
    const c = launcher.calibrate(run, { alpha: 1e-6, bytesPerParam: 4 });
    expect(c.params).toBe(10);
    const rows = launcher.simulate(launcher.parseConfigs('psgd', 4), { nodes: 4, params: 10, bytesPerParam: 4, computeSeconds: 0.01, link: c.link, overlap: false, rounds: 1, seed: 0 });
    expect(rows[0].label).toBe('psgd');
    expect(typeof launcher.reportHtml).toBe('function');
  });
});
