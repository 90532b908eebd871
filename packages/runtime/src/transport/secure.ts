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
export const SECURE_MODES = ['mac', 'curve'] as const;
export type SecureMode = (typeof SECURE_MODES)[number];
export const DEFAULT_SECURE: SecureMode = 'mac';
