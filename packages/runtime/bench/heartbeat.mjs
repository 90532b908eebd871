// What one heartbeat costs: ping round trips between two ZeroMQ transports in this
// process over tcp loopback (the wall time of a round trip, and the CPU of both ends
// together, ZeroMQ's I/O threads included). docs/benchmarks.md, "Elastic".
// Usage: node packages/runtime/bench/heartbeat.mjs [pings=3000] [port=29991]   (build first)
import { connectZmqTransport } from '../dist/index.js';

const N = Number(process.argv[2] ?? 3000);
const port = Number(process.argv[3] ?? 29991);
const common = { size: 2, rendezvous: `127.0.0.1:${port}`, jobId: `heartbeat-bench-${port}`, secret: 'heartbeat-bench-secret-0123', timeoutMs: 10_000, heartbeatMs: 0 };
const [a, b] = await Promise.all([connectZmqTransport({ ...common, rank: 0 }), connectZmqTransport({ ...common, rank: 1 })]);
for (let i = 0; i < 200; i++) await Promise.all([a.checkPeers([1]), b.checkPeers([0])]);
const c0 = process.cpuUsage();
const t0 = performance.now();
for (let i = 0; i < N; i++) await a.checkPeers([1]);
const ms = (performance.now() - t0) / N;
const c = process.cpuUsage(c0);
console.log(JSON.stringify({ pings: N, msPerRoundTrip: ms, cpuMsPerRoundTripBothEnds: (c.user + c.system) / 1000 / N }));
await Promise.all([a.close(), b.close()]);
