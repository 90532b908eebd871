/**
 * The channel's protection, `--secure` / DTRAIN_SECURE / init({ secure }):
 *   mac    every frame (header and body) carries a Poly1305 MAC under a key
 *          derived from DTRAIN_SECRET; bytes travel in the clear. ~12 GB/s
 *          of MAC per side, no copy.
 *   curve  in addition, the rendezvous and every data connection are
 *          encrypted and authenticated by ZeroMQ's CURVE with keys derived
 *          from DTRAIN_SECRET (no key to distribute); costs a copy and a
 *          Salsa20/Poly1305 pass per side inside libzmq.
 */
import { WorkerEnvError } from '../errors.js';

export const SECURE_MODES = ['mac', 'curve'] as const;
export type SecureMode = (typeof SECURE_MODES)[number];
export const DEFAULT_SECURE: SecureMode = 'mac';

/** DTRAIN_SECURE if set, else the script's choice, else mac; WorkerEnvError naming the value otherwise. */
export function resolveSecureMode(fromEnv: string | undefined, fromScript?: string): SecureMode {
  const mode = fromEnv ?? fromScript ?? DEFAULT_SECURE;
  if (!(SECURE_MODES as readonly string[]).includes(mode)) {
    const where = fromEnv !== undefined ? `DTRAIN_SECURE=${JSON.stringify(mode)}` : `init({ secure: ${JSON.stringify(mode)} })`;
    throw new WorkerEnvError('DTRAIN_SECURE', `${where} is not a protection mode; use one of ${SECURE_MODES.join(', ')} (\`dtrain launch --secure\`)`);
  }
  return mode as SecureMode;
}
