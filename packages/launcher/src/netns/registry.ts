/**
 * Clusters alive in this process, torn down when the process ends. 'exit'
 * always cleans up (synchronously). On SIGINT/SIGTERM/SIGHUP: when nobody
 * else listens, clean up and die by the same signal (the default
 * behaviour); when someone does (e.g. `dtrain launch` stopping its ranks),
 * leave the signal to them: they end with destroy() or with 'exit'.
 */
import { teardownSync } from './teardown.js';

interface Entry {
  ip: string;
  namespaces: readonly string[];
}

const live = new Map<string, Entry>();
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
let installed = false;

function cleanupAll(): void {
  for (const [key, entry] of live) {
    live.delete(key);
    teardownSync(entry.ip, entry.namespaces);
  }
}

function onExit(): void {
  cleanupAll();
}

function onSignal(signal: NodeJS.Signals): void {
  if (process.listenerCount(signal) > 1) return;
  cleanupAll();
  uninstall();
  process.kill(process.pid, signal);
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', onExit);
  for (const s of SIGNALS) process.on(s, onSignal);
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  process.off('exit', onExit);
  for (const s of SIGNALS) process.off(s, onSignal);
}

export function register(key: string, ip: string, namespaces: readonly string[]): void {
  live.set(key, { ip, namespaces: [...namespaces] });
  install();
}

export function unregister(key: string): void {
  live.delete(key);
  if (live.size === 0) uninstall();
}

/** Names of the clusters this process still holds (for tests and diagnostics). */
export function liveClusters(): string[] {
  return [...live.keys()];
}
