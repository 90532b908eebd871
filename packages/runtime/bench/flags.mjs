// Command-line flags of the bench scripts.

/** `--name N`, a positive integer (default `fallback`); anything else exits 2 naming the flag. */
export function positiveIntFlag(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  const v = Number(at >= 0 ? process.argv[at + 1] : fallback);
  if (!Number.isInteger(v) || v < 1) {
    process.stderr.write(`--${name} must be a positive integer; got ${process.argv[at + 1]}\n`);
    process.exit(2);
  }
  return v;
}
