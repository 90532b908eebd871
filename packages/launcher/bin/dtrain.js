#!/usr/bin/env node
// Thin entry so the bin link exists before the TypeScript build has run.
import { main } from '../dist/cli.js';

main(process.argv).catch((err) => {
  process.stderr.write(`dtrain: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
