/**
 * TensorFlow's start-up lines (oneDNN, CPU features, the absl notice) are
 * printed by every rank that loads the native backend. The terminal shows
 * each such line once per job, from the first rank that prints it; every
 * rank's log file still has them all.
 */
const STARTUP_LINES: readonly RegExp[] = [
  /^WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR$/,
  /^[IW]\d{4} [\d:. ]+\d+ \S+\.cc:\d+\] /,
  /^\d{4}-\d\d-\d\d [\d:.]+: [IW] tensorflow\//,
  /^To enable the following instructions: .*rebuild TensorFlow/,
];

/** A line's identity across ranks: the text without the glog timestamp and thread id. */
function key(line: string): string {
  return line.replace(/^([IW])\d{4} [\d:. ]+\d+ /, '$1 ').replace(/^\d{4}-\d\d-\d\d [\d:.]+: /, '');
}

export class StartupNoise {
  private readonly shown = new Set<string>();

  /** True when this stderr text line is a start-up line already shown for another rank. */
  repeated(line: string): boolean {
    if (!STARTUP_LINES.some((re) => re.test(line))) return false;
    const k = key(line);
    if (this.shown.has(k)) return true;
    this.shown.add(k);
    return false;
  }
}
