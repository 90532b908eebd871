/** The pre-flight check: every link the schedule needs must work both ways before the first step. */
import type { CheckOptions, Transport } from './types.js';

/**
 * Checks the pairs (a, b) that involve `transport.rank` (every process may
 * pass the whole list). Rejects with TransportError E_TRANSPORT_UNREACHABLE
 * naming the unreachable pairs and their addresses.
 */
export async function checkPeers(
  transport: Transport,
  pairs: ReadonlyArray<readonly [number, number]>,
  options?: CheckOptions,
): Promise<void> {
  const peers = new Set<number>();
  for (const [a, b] of pairs) {
    if (a === transport.rank && b !== a) peers.add(b);
    if (b === transport.rank && b !== a) peers.add(a);
  }
  await transport.checkPeers([...peers].sort((x, y) => x - y), options);
}
