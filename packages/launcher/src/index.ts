export { main, buildProgram } from './cli.js';
export { plan, shellQuote, rendezvousHost, type LaunchConfig, type ProcessSpec } from './plan.js';
export { resolveLaunch, resolveScript, knownExamples, type ResolveIO, type ResolvedLaunch } from './resolve.js';
export { addLaunchOptions, addRunOptions, intOption, secondsOption, type LaunchOptionsRaw } from './options.js';
export { startJob, runLogged, findFreePort, describeExit, isFailure, type Job, type JobOptions, type JobOutcome, type WorkerExit } from './spawn.js';
export { parseLine, toNdjson, formatPretty, formatRaw, RankLog, type LogLine, type StreamName } from './logs.js';
export { parseProgress, ProgressTracker, renderBar, formatDuration, type ProgressRecord, type ProgressSnapshot } from './progress.js';
export { renderSummary, renderTable } from './summary.js';
export { parseHostList, parseHostfile, isLocalHost, type HostSlots } from './hosts.js';
export { parseGpuList, detectGpus } from './gpus.js';
export { resolveCluster, IMAGE_WORKDIR, DEFAULT_IMAGE, type ClusterConfig, type ClusterOptionsRaw } from './cluster.js';
export { composeFile, serviceName } from './compose.js';
export { k8sManifests, k8sName } from './k8s.js';
export { toYaml, toYamlDocuments, type YamlValue } from './yaml.js';
export { runLaunch } from './commands/launch.js';
export { prepareWorkerEnv } from './commands/worker.js';
export { UsageError, NetnsError, RunDataError, type NetnsErrorCode, type RunDataErrorCode } from './errors.js';
export {
  createNetnsCluster, cleanupStaleClusters, describeCluster, netnsUnavailableReason, parseRate, formatRate,
  liveClusters, SUBNET_PREFIX, MAX_NODES, DEFAULT_NETNS_PREFIX,
  type NetnsCluster, type NetnsClusterOptions, type SpawnOptions, type StaleCleanupOptions,
} from './netns/index.js';
export { buildComparison, type Comparison, type ComparisonOptions, type ConfigResult } from './compare/build.js';
export { parseConfigs, configSlug, OVERLAP_SUFFIX, type RunConfig } from './compare/configs.js';
export { rebuildComparison } from './compare/rebuild.js';
export { runCurves, stepCurve, accuracyCurve, wallAt, type RunCurves, type StepPoint, type AccuracyPoint } from './compare/curves.js';
export { comparisonMarkdown } from './compare/markdown.js';
export {
  readRunDir, decodeSummary, decodeLogLine, decodeRankLog,
  type RunData, type StepRecord, type EvalRecord, type RankTrace,
} from './compare/run-data.js';
export { runComparison, writeComparison, launchArgs, type ComparePlan, type CompareResult, type FailedRun, type Launcher } from './compare/run.js';
export { resolveCompare, type CompareOptionsRaw } from './commands/compare.js';
export { reportHtml, escapeHtml, type ReportInput } from './report/page.js';
export { comparisonCharts, type ChartSpec, type ChartData } from './report/charts.js';
export { simulate, simulateConfig, stepTerms, messageBytes, type SimInput, type SimRow } from './simulate/model.js';
export { calibrate, configOfRun, type Calibration, type CalibrateOptions } from './simulate/calibrate.js';
export { validateRun, meanWait, fitCpuPerByte, isGlobalStep, type ValidationRow, type ValidateOptions, type Prediction } from './simulate/validate.js';
export { loadMeasuredRuns, validationTable, type MeasuredRuns } from './simulate/validate-dir.js';
export {
  linkFromRate, ringAllreduce, onePeer, staticExponential, scheduleGossip, seconds as commSeconds,
  type Link, type CommTerms,
} from './simulate/alpha-beta.js';
export { simulationTable, type SimTableRow } from './simulate/format.js';
export { runSimulate, runValidate, type SimulateOptionsRaw, type SimulateReport, type ValidateReport } from './commands/simulate.js';
