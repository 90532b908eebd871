/** Small checks for values read from another process (JSON). */
import { ContractError, type ContractErrorCode } from '../errors.js';

export type Json = Record<string, unknown>;

export const isRecord = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
export const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Reads typed fields of one JSON object; each failure names `where`, the field and what it held. */
export class Fields {
  constructor(
    private readonly value: Json,
    private readonly where: string,
    private readonly code: ContractErrorCode,
  ) {}

  private fail(key: string, want: string): never {
    const got = JSON.stringify(this.value[key]) ?? 'undefined';
    throw new ContractError(this.code, `${this.where}: ${key} is ${got}, expected ${want}`, key);
  }

  num(key: string): number {
    const v = this.value[key];
    return isNum(v) ? v : this.fail(key, 'a number');
  }

  numOrNull(key: string): number | null {
    const v = this.value[key];
    return v === null ? null : isNum(v) ? v : this.fail(key, 'a number or null');
  }

  /** A number when present; undefined when absent. */
  optNum(key: string): number | undefined {
    return this.value[key] === undefined ? undefined : this.num(key);
  }

  str(key: string): string {
    const v = this.value[key];
    return typeof v === 'string' ? v : this.fail(key, 'a string');
  }

  /** A string when present; undefined when absent. */
  optStr(key: string): string | undefined {
    return this.value[key] === undefined ? undefined : this.str(key);
  }

  bool(key: string): boolean {
    const v = this.value[key];
    return typeof v === 'boolean' ? v : this.fail(key, 'true or false');
  }

  ints(key: string): number[] {
    const v = this.value[key];
    return Array.isArray(v) && v.every((x) => Number.isInteger(x)) ? (v as number[]) : this.fail(key, 'a list of integers');
  }

  /** The fields of element `i` of the list `key` (an object; else the failure names it). */
  item(key: string, i: number): Fields {
    const v = this.list(key)[i];
    if (!isRecord(v)) return this.fail(key, `a list of objects (element ${i} is ${JSON.stringify(v)})`);
    return new Fields(v, `${this.where}: ${key}[${i}]`, this.code);
  }

  has(key: string): boolean {
    return this.value[key] !== undefined;
  }

  list(key: string): unknown[] {
    const v = this.value[key];
    return Array.isArray(v) ? v : this.fail(key, 'a list');
  }
}
