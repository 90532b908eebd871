// npm pack of @dtrain/launcher ships the repository's examples/ inside the
// package (`dtrain launch --example NAME` finds them there once installed):
// `copy` before packing, `remove` after, so a checkout keeps one copy.
import { cpSync, existsSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const source = fileURLToPath(new URL('../../../examples/', import.meta.url));
const target = fileURLToPath(new URL('../examples/', import.meta.url));
const action = process.argv[2];
if (action === 'copy') {
  if (!existsSync(source)) {
    console.error(`pack-examples: ${source} not found; pack from a dtrain checkout`);
    process.exit(1);
  }
  rmSync(target, { recursive: true, force: true });
  cpSync(source, target, { recursive: true });
} else if (action === 'remove') {
  rmSync(target, { recursive: true, force: true });
} else {
  console.error(`pack-examples: usage: node scripts/pack-examples.mjs copy|remove (got ${JSON.stringify(action)})`);
  process.exit(2);
}
