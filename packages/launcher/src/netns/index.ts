export { createNetnsCluster, describeCluster, type NetnsCluster, type NetnsClusterOptions, type SpawnOptions } from './cluster.js';
export { cleanupStaleClusters, type StaleCleanupOptions } from './stale.js';
export { netnsUnavailableReason } from './ip.js';
export { parseRate, formatRate } from './rate.js';
export { liveClusters } from './registry.js';
export { SUBNET_PREFIX, MAX_NODES, DEFAULT_PREFIX as DEFAULT_NETNS_PREFIX } from './names.js';
