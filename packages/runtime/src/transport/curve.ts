/**
 * CURVE keys derived from the job secret, so every rank (and only a holder
 * of the secret) knows the server key the data sockets use. One server
 * keypair and one client keypair per job: CURVE here encrypts and
 * authenticates the channel; ranks are told apart by the frame headers.
 */
import { createHmac, createPrivateKey, createPublicKey } from 'node:crypto';

export interface CurveKeys {
  readonly serverPublic: string;
  readonly serverSecret: string;
  readonly clientPublic: string;
  readonly clientSecret: string;
}

export function curveKeys(secret: string, job: string): CurveKeys {
  const server = keyPair(createHmac('sha256', secret).update(`dtrain/curve-server/v1\0${job}`).digest());
  const client = keyPair(createHmac('sha256', secret).update(`dtrain/curve-client/v1\0${job}`).digest());
  return {
    serverPublic: server.publicKey,
    serverSecret: server.secretKey,
    clientPublic: client.publicKey,
    clientSecret: client.secretKey,
  };
}

// PKCS#8 prefix of a raw 32-byte X25519 private key.
const X25519_PKCS8 = Buffer.from('302e020100300506032b656e04220420', 'hex');

function keyPair(seed: Buffer): { publicKey: string; secretKey: string } {
  const secret = Buffer.from(seed.subarray(0, 32));
  // Clamp as X25519 does, so the z85 secret we hand to libzmq is the one we derived the public key from.
  secret[0]! &= 248;
  secret[31]! &= 127;
  secret[31]! |= 64;
  const privateKey = createPrivateKey({ key: Buffer.concat([X25519_PKCS8, secret]), format: 'der', type: 'pkcs8' });
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  const publicRaw = Buffer.from(String(jwk.x), 'base64url');
  return { publicKey: z85(publicRaw), secretKey: z85(secret) };
}

const Z85 = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';

/** Z85 text of `bytes` (length a multiple of 4), as libzmq expects keys. */
export function z85(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 4) {
    let value = ((bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!) >>> 0;
    let chunk = '';
    for (let k = 0; k < 5; k++) {
      chunk = Z85[value % 85] + chunk;
      value = Math.floor(value / 85);
    }
    out += chunk;
  }
  return out;
}
