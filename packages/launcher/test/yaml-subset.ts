/**
 * Reads back the YAML subset that src/yaml.ts writes (block mappings and
 * sequences, JSON-quoted strings, numbers, booleans, null, [] and {}), for
 * tests on machines without a YAML library. Deliberately separate code.
 */
type V = unknown;

function scalar(s: string): V {
  const t = s.trim();
  if (t === '[]') return [];
  if (t === '{}') return {};
  if (t.startsWith('"')) return JSON.parse(t);
  if (t === 'true' || t === 'false' || t === 'null') return JSON.parse(t);
  if (/^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(t)) return Number(t);
  throw new Error(`unexpected plain scalar ${JSON.stringify(t)}`);
}

function keyOf(s: string): [string, string] {
  const m = /^("(?:[^"\\]|\\.)*"|[A-Za-z_][A-Za-z0-9_./-]*):(?: (.*))?$/.exec(s);
  if (m === null) throw new Error(`not a mapping line: ${JSON.stringify(s)}`);
  return [m[1].startsWith('"') ? JSON.parse(m[1]) : m[1], m[2] ?? ''];
}

export function parseYamlSubset(text: string): V {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  let i = 0;
  const indentOf = (l: string): number => l.length - l.trimStart().length;
  function block(indent: number): V {
    const first = lines[i].slice(indent);
    if (first.startsWith('- ')) {
      const arr: V[] = [];
      while (i < lines.length && indentOf(lines[i]) === indent && lines[i].slice(indent).startsWith('- ')) {
        const rest = lines[i].slice(indent + 2);
        if (rest.startsWith('- ') || /^("(?:[^"\\]|\\.)*"|[A-Za-z_][A-Za-z0-9_./-]*):( |$)/.test(rest)) {
          lines[i] = ' '.repeat(indent + 2) + rest; // the item is a block starting on this line
          arr.push(block(indent + 2));
        } else {
          arr.push(scalar(rest));
          i++;
        }
      }
      return arr;
    }
    const obj: Record<string, V> = {};
    while (i < lines.length && indentOf(lines[i]) === indent && !lines[i].slice(indent).startsWith('- ')) {
      const [k, v] = keyOf(lines[i].slice(indent));
      i++;
      if (v !== '') obj[k] = scalar(v);
      else obj[k] = block(indentOf(lines[i]));
    }
    return obj;
  }
  const value = block(0);
  if (i !== lines.length) throw new Error(`unparsed from line ${i + 1}: ${lines[i]}`);
  return value;
}
