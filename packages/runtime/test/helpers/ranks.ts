/** Start n compiled worker scripts as one job on this machine and collect their JSON result lines. */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../../../test-utils/index.js';

export interface RankRun {
  code: number | null;
  records: Array<Record<string, unknown>>;
  stderr: string;
}

export function distScript(name: string): string {
  return fileURLToPath(new URL(`../../dist/bin/${name}`, import.meta.url));
}

export async function runRanks(script: string, n: number, params: unknown): Promise<RankRun[]> {
  const port = await freePort();
  const job = `test-${randomBytes(4).toString('hex')}`;
  const secret = randomBytes(16).toString('hex');
  return Promise.all(
    Array.from({ length: n }, (_, rank) => {
      const child = spawn(process.execPath, [script, JSON.stringify(params)], {
        env: {
          ...process.env,
          DTRAIN_RANK: String(rank),
          DTRAIN_WORLD_SIZE: String(n),
          DTRAIN_RENDEZVOUS: `127.0.0.1:${port}`,
          DTRAIN_JOB_ID: job,
          DTRAIN_SECRET: secret,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
      return new Promise<RankRun>((resolve) =>
        child.on('close', (code) =>
          resolve({
            code,
            stderr: err,
            records: out
              .split('\n')
              .filter((l) => l.startsWith('{'))
              .map((l) => JSON.parse(l) as Record<string, unknown>),
          }),
        ),
      );
    }),
  );
}
