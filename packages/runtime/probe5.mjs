import { connectZmqTransport } from './dist/index.js';
import { createServer } from 'node:net';
const port = await new Promise((r) => { const s = createServer(); s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => r(p)); }); });
const ts = await Promise.all([0, 1, 2].map((rank) => connectZmqTransport({ rank, size: 3, rendezvous: `127.0.0.1:${port}`, jobId: 'p5', secret: 'probe-secret-0123456789', timeoutMs: 8000 })));
await Promise.all(ts.map((t) => t.checkPeers([0, 1, 2].filter((p) => p !== t.rank))));
console.log('checked');
ts.forEach((t) => void t.limitFrames(100));
const t0 = Date.now();
for (let it = 0; it < 3; it++) {
  await Promise.all(ts.map(async (t) => {
    const next = (t.rank + 1) % 3, prev = (t.rank + 2) % 3;
    await Promise.all([t.send(next, it, 0, new Float32Array(10).fill(t.rank)), t.recv(prev, it, 0)]);
  }));
  console.log('iter', it, 'done after', Date.now() - t0, ts.map((t) => JSON.stringify(t.stats().dropped) + ' resent ' + t.stats().framesResent).join(' | '));
}
await Promise.all(ts.map((t) => t.close()));
