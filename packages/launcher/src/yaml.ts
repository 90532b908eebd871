/**
 * A small YAML writer for the manifests we generate (compose, Kubernetes):
 * block mappings and sequences, every string double-quoted with JSON escapes
 * (a valid YAML double-quoted scalar), so no value can be misread as a
 * number, a boolean or YAML syntax. Not a general serializer: plain data only.
 */

export type YamlValue = string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue };

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_./-]*$/;

function scalar(v: string | number | boolean | null): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' && !Number.isFinite(v)) throw new TypeError(`cannot write ${v} to YAML`);
  return String(v);
}

function isCollection(v: YamlValue): v is YamlValue[] | { [key: string]: YamlValue } {
  return v !== null && typeof v === 'object';
}

function isEmpty(v: YamlValue[] | { [key: string]: YamlValue }): boolean {
  return Array.isArray(v) ? v.length === 0 : Object.keys(v).length === 0;
}

function lines(value: YamlValue, indent: number): string[] {
  const pad = ' '.repeat(indent);
  if (!isCollection(value)) return [`${pad}${scalar(value)}`];
  if (isEmpty(value)) return [`${pad}${Array.isArray(value) ? '[]' : '{}'}`];
  if (Array.isArray(value)) {
    return value.flatMap((item) => {
      if (!isCollection(item) || isEmpty(item)) return [`${pad}- ${lines(item, 0)[0]}`];
      const inner = lines(item, indent + 2);
      return [`${pad}- ${inner[0].slice(indent + 2)}`, ...inner.slice(1)];
    });
  }
  return Object.entries(value).flatMap(([k, v]) => {
    const key = PLAIN_KEY.test(k) ? k : JSON.stringify(k);
    if (!isCollection(v) || isEmpty(v)) return [`${pad}${key}: ${lines(v, 0)[0]}`];
    return [`${pad}${key}:`, ...lines(v, indent + 2)];
  });
}

/** One YAML document (no leading `---`), ending in a newline. */
export function toYaml(value: YamlValue): string {
  return `${lines(value, 0).join('\n')}\n`;
}

/** Several documents separated by `---`. */
export function toYamlDocuments(values: readonly YamlValue[]): string {
  return values.map(toYaml).join('---\n');
}
