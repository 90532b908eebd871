// Two-way swap of a large Float32Array between two processes: dtrain's ZeroMQ
// transport (tcp, ipc; ack vs copy send) against raw `net` sockets reading
// straight into a preallocated buffer, each with and without allocator tunables.
// Usage: node packages/runtime/bench/transport.mjs [floats=25600000] [reps=5]   (build first)
import { spawn } from 'node:child_process';
import { createServer, connect } from 'node:net';
import { fileURLToPath } from 'node:url';

const TUNABLES = 'glibc.malloc.arena_max=1:glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=4294967296:glibc.malloc.hugetlb=1';
const self = fileURLToPath(import.meta.url);
const [, , a1, a2] = process.argv;

if (a1 === 'child') await child(JSON.parse(a2));
else await main(Number(a1 ?? 25_600_000), Number(a2 ?? 5));

async function main(floats, reps) {
  const port = () => new Promise((r) => { const s = createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => r(p)); }); });
  const cases = [
    ['raw net tcp', { kind: 'raw', path: null }],
    ['raw net unix', { kind: 'raw', path: `/tmp/dtrain-bench-${process.pid}.sock` }],
    ['zmq tcp ack', { kind: 'zmq', protocol: 'tcp', sendMode: 'ack' }],
    ['zmq tcp copy', { kind: 'zmq', protocol: 'tcp', sendMode: 'copy' }],
    ['zmq ipc ack', { kind: 'zmq', protocol: 'ipc', sendMode: 'ack' }],
  ];
  const results = [];
  for (const tunables of [false, true]) {
    for (const [name, spec] of cases) {
      const p = await port();
      const env = { ...process.env, DTRAIN_SECRET: 'bench-secret-0123456789' };
      if (tunables) env.GLIBC_TUNABLES = TUNABLES;
      const run = (rank) => new Promise((resolve, reject) => {
        const c = spawn(process.execPath, [self, 'child', JSON.stringify({ ...spec, rank, port: p, floats, reps })], { env, stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        c.stdout.on('data', (d) => (out += d));
        c.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${name} rank ${rank} exited ${code}`))));
      });
      const [out] = await Promise.all([run(0), run(1)]);
      const ms = JSON.parse(out).ms;
      results.push({ name: `${name}${tunables ? ' +tunables' : ''}`, ms });
      console.log(`${results.at(-1).name.padEnd(28)} median ${ms.toFixed(1)} ms`);
    }
  }
  const base = results.find((r) => r.name === 'raw net tcp').ms;
  console.log(`\n${floats} floats (${(floats * 4 / 2 ** 20).toFixed(1)} MiB) each way, median of ${reps}; ratio to raw net tcp:`);
  for (const r of results) console.log(`  ${r.name.padEnd(28)} ${r.ms.toFixed(1).padStart(8)} ms  x${(r.ms / base).toFixed(2)}`);
}

async function child(o) {
  const body = new Float32Array(o.floats).fill(o.rank + 1);
  const times = [];
  let swap, close;
  if (o.kind === 'zmq') {
    const { connectZmqTransport } = await import('../dist/index.js');
    const t = await connectZmqTransport({ rank: o.rank, size: 2, rendezvous: `127.0.0.1:${o.port}`, jobId: `bench-${o.port}`, secret: process.env.DTRAIN_SECRET, protocol: o.protocol, sendMode: o.sendMode, timeoutMs: 120_000 });
    const peer = 1 - o.rank;
    swap = async (i) => {
      const [, got] = await Promise.all([t.send(peer, i, 0, body), t.recv(peer, i, 0)]);
      if (got[got.length - 1] !== peer + 1) throw new Error('corrupt');
      t.finish(i + 1);
    };
    close = () => t.close();
  } else {
    const into = new Float32Array(o.floats);
    const bytes = new Uint8Array(into.buffer);
    const sock = await rawSocket(o);
    // Bytes arrive as one stream; swap i is complete at total >= (i + 1) * length (the peer may run one swap ahead).
    let total = 0, want = 0, wake = null;
    sock.on('data', (chunk) => {
      let at = 0;
      while (at < chunk.length) {
        const pos = total % bytes.length;
        const n = Math.min(chunk.length - at, bytes.length - pos);
        bytes.set(chunk.subarray(at, at + n), pos);
        at += n; total += n;
      }
      if (total >= want && wake) { const w = wake; wake = null; w(); }
    });
    swap = async (i) => {
      want = (i + 1) * bytes.length;
      const got = new Promise((r) => { wake = r; if (total >= want) { wake = null; r(); } });
      await new Promise((r) => sock.write(Buffer.from(body.buffer, body.byteOffset, body.byteLength), r));
      await got;
      if (into[into.length - 1] !== 2 - o.rank) throw new Error('corrupt');
    };
    close = () => sock.destroy();
  }
  await swap(0);
  for (let i = 1; i <= o.reps; i++) {
    const start = process.hrtime.bigint();
    await swap(i);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  await close();
  times.sort((x, y) => x - y);
  if (o.rank === 0) process.stdout.write(JSON.stringify({ ms: times[Math.floor(times.length / 2)] }));
  process.exit(0);
}

function rawSocket(o) {
  const where = o.path ?? { port: o.port, host: '127.0.0.1' };
  if (o.rank === 0) {
    return new Promise((resolve) => { const s = createServer((c) => { s.close(); resolve(c); }); s.listen(where); });
  }
  return new Promise((resolve) => {
    const attempt = () => { const c = connect(where, () => resolve(c)); c.on('error', () => setTimeout(attempt, 50)); };
    attempt();
  });
}
