#!/usr/bin/env node
// Keyed MACs in Node's crypto over one frame-sized body, MACed in place (the
// choice behind the transport's frame tag, docs/security.md): Poly1305 and
// GMAC with the body as additional data, HMACs, and one copy of the body for
// reference. Prints best and median GB/s over the repetitions. Usage:
//   node packages/runtime/bench/mac.mjs [--floats 25557032] [--reps 7]
import { createCipheriv, createHmac, randomBytes } from 'node:crypto';
import { positiveIntFlag } from './flags.mjs';

const floats = positiveIntFlag('floats', 25_557_032); // ResNet-50's parameters: 97.5 MiB
const reps = positiveIntFlag('reps', 7);
const values = new Float32Array(floats);
for (let i = 0; i < floats; i += 1024) values[i] = i;
const body = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
const header = randomBytes(120);
const key = randomBytes(32);
const none = { plaintextLength: 0 };

const candidates = {
  'poly1305 (chacha20-poly1305, frame as AAD)': () => {
    const c = createCipheriv('chacha20-poly1305', key, randomBytes(12), { authTagLength: 16 });
    c.setAAD(header, none);
    c.setAAD(body, none);
    c.final();
    return c.getAuthTag();
  },
  'gmac (aes-256-gcm, frame as AAD)': () => {
    const c = createCipheriv('aes-256-gcm', key, randomBytes(12));
    c.setAAD(header);
    c.setAAD(body);
    c.final();
    return c.getAuthTag();
  },
  'hmac-sha256': () => createHmac('sha256', key).update(header).update(body).digest(),
  'hmac-blake2b512': () => createHmac('blake2b512', key).update(header).update(body).digest(),
  'hmac-sha512': () => createHmac('sha512', key).update(header).update(body).digest(),
  'one copy of the body (reference)': () => Buffer.from(body),
};

console.log(`${floats} floats (${(body.byteLength / 2 ** 20).toFixed(1)} MiB), best and median of ${reps}`);
for (const [name, run] of Object.entries(candidates)) {
  run();
  const ms = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    run();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  const gbs = (t) => (body.byteLength / t / 1e6).toFixed(2);
  const median = ms[ms.length >> 1];
  console.log(`  ${name.padEnd(44)} ${ms[0].toFixed(1).padStart(6)} ms  ${gbs(ms[0])} GB/s   median ${median.toFixed(1)} ms  ${gbs(median)} GB/s`);
}
