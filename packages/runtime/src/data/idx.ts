/**
 * The idx format (MNIST, Fashion-MNIST): magic 0x00 0x00 <type> <rank>, then
 * <rank> big-endian uint32 dimensions, then the values, big-endian.
 * Files may be gzip-compressed (detected by the 0x1f 0x8b signature).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DataError } from '../errors.js';

export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxArray {
  dims: number[];
  data: IdxData;
}

const TYPES: Record<number, { name: string; bytes: number }> = {
  0x08: { name: 'ubyte', bytes: 1 },
  0x09: { name: 'byte', bytes: 1 },
  0x0b: { name: 'short', bytes: 2 },
  0x0c: { name: 'int', bytes: 4 },
  0x0d: { name: 'float', bytes: 4 },
  0x0e: { name: 'double', bytes: 8 },
};

const FIX = 'download it again (and check it is an idx file, e.g. train-images-idx3-ubyte[.gz])';

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

/** Decode an idx file's bytes; `file` is named in errors. */
export function parseIdx(raw: Uint8Array, file: string): IdxArray {
  let bytes = raw;
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (err) {
      throw new DataError('E_DATA_FORMAT', `${file}: gzip data is corrupt or truncated (${(err as Error).message}); ${FIX}`, file);
    }
  }
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DataError(
      'E_DATA_FORMAT',
      `${file}: bad idx magic number [${hex(bytes.subarray(0, 4))}], expected 00 00 <type> <rank>; ${FIX}`,
      file,
    );
  }
  const type = TYPES[bytes[2] as number];
  const rank = bytes[3] as number;
  if (type === undefined || rank === 0) {
    throw new DataError(
      'E_DATA_FORMAT',
      `${file}: bad idx magic number [${hex(bytes.subarray(0, 4))}] (type 0x${(bytes[2] as number).toString(16)}, rank ${rank}); ${FIX}`,
      file,
    );
  }
  const header = 4 + 4 * rank;
  if (bytes.length < header) {
    throw new DataError('E_DATA_FORMAT', `${file}: truncated header (${bytes.length} bytes, need ${header}); ${FIX}`, file);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let d = 0; d < rank; d++) dims.push(view.getUint32(4 + 4 * d, false));
  const count = dims.reduce((a, b) => a * b, 1);
  const need = header + count * type.bytes;
  if (bytes.length < need) {
    throw new DataError(
      'E_DATA_FORMAT',
      `${file}: truncated: dims [${dims.join(', ')}] of ${type.name} need ${need} bytes, the file has ${bytes.length}; ${FIX}`,
      file,
    );
  }
  const body = bytes.subarray(header, need);
  let data: IdxData;
  switch (type.name) {
    case 'ubyte':
      data = Uint8Array.from(body);
      break;
    case 'byte':
      data = Int8Array.from(body, (b) => (b << 24) >> 24);
      break;
    default: {
      const out = type.name === 'short' ? new Int16Array(count) : type.name === 'int' ? new Int32Array(count) : type.name === 'float' ? new Float32Array(count) : new Float64Array(count);
      const read = (i: number): number => {
        const at = header + i * type.bytes;
        if (type.name === 'short') return view.getInt16(at, false);
        if (type.name === 'int') return view.getInt32(at, false);
        if (type.name === 'float') return view.getFloat32(at, false);
        return view.getFloat64(at, false);
      };
      for (let i = 0; i < count; i++) out[i] = read(i);
      data = out;
    }
  }
  return { dims, data };
}

/** Read an idx file, plain or gzipped. */
export function readIdx(file: string): IdxArray {
  let raw: Uint8Array;
  try {
    raw = readFileSync(file);
  } catch (err) {
    throw new DataError('E_DATA_MISSING', `cannot read ${file}: ${(err as Error).message}`, file);
  }
  return parseIdx(raw, file);
}

/** `dir/base` or `dir/base.gz`, whichever exists; undefined when neither does. */
export function findIdxFile(dir: string, base: string): string | undefined {
  for (const name of [base, `${base}.gz`]) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  return undefined;
}

/** Encode an idx file (ubyte data); used to write fixtures and small exports. */
export function encodeIdxUbyte(dims: readonly number[], data: Uint8Array): Uint8Array {
  const header = new Uint8Array(4 + 4 * dims.length);
  const view = new DataView(header.buffer);
  header[2] = 0x08;
  header[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  const out = new Uint8Array(header.length + data.length);
  out.set(header);
  out.set(data, header.length);
  return out;
}
