/** Running external tools (setup's compilers and pip, netns's ip and tc): found on PATH, run with their output captured. */
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface ExecResult {
  status: number | null;
  stdout: string;
  stderr: string;
  /** Set when the program could not be started at all. */
  error?: Error;
}

/** The full path of `program` on PATH (then in `extraDirs`), or undefined. */
export function which(program: string, env: NodeJS.ProcessEnv = process.env, extraDirs: readonly string[] = []): string | undefined {
  for (const dir of [...(env.PATH ?? '').split(delimiter), ...extraDirs]) {
    if (dir === '') continue;
    const file = join(dir, program);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

export function run(program: string, args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): ExecResult {
  const r = spawnSync(program, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error };
}

/** The last `lines` non-empty lines of a tool's output, for an error message. */
export function tail(text: string, lines = 8): string {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(-lines)
    .join('\n');
}
