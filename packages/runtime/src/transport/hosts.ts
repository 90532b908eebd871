/** The host part of a transport endpoint, as ZAP reports a peer's address. */

/** "tcp://10.0.0.1:4000" -> "10.0.0.1", "tcp://[::1]:4000" -> "::1", "ipc://..." -> "" (ipc peers are told apart by user, zap.ts). */
export function hostOf(endpoint: string): string {
  const v6 = /^tcp:\/\/\[([^\]]+)\]:\d+$/.exec(endpoint);
  if (v6 !== null) return v6[1]!;
  const v4 = /^tcp:\/\/([^:/]+):\d+$/.exec(endpoint);
  return v4 !== null ? v4[1]! : '';
}
