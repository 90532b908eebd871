/**
 * The manifests we generate (compose, Kubernetes) as YAML, written by the
 * `yaml` library: every string double-quoted, so no value can be misread as
 * a number, a boolean or YAML syntax; no line folding; no anchors.
 */
import { stringify } from 'yaml';

export type YamlValue = string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue };

const OPTIONS = { defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN', lineWidth: 0, aliasDuplicateObjects: false } as const;

/** One YAML document (no leading `---`), ending in a newline. */
export function toYaml(value: YamlValue): string {
  return stringify(value, OPTIONS);
}

/** Several documents separated by `---`. */
export function toYamlDocuments(values: readonly YamlValue[]): string {
  return values.map(toYaml).join('---\n');
}
