/**
 * Saving and loading Layers models as files without tfjs-node: an IOHandler
 * writing DIR/model.json and DIR/weights.bin, the layout tfjs-node's
 * `file://` handler writes and reads, so either side loads the other's
 * files. `registerFileRouter()` (called by init() after the backend is
 * chosen) makes `model.save('file://DIR')` and
 * `tf.loadLayersModel('file://DIR/model.json')` use it whenever no other
 * `file://` handler is registered (tfjs-node registers its own).
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ModelError } from '../errors.js';

const SCHEME = 'file://';
const MODEL_FILE = 'model.json';
const WEIGHTS_FILE = 'weights.bin';

function toBuffer(data: tf.io.ModelArtifacts['weightData']): Buffer {
  if (data === undefined) return Buffer.alloc(0);
  const parts = Array.isArray(data) ? data : [data];
  return Buffer.concat(parts.map((p) => Buffer.from(p)));
}

/**
 * An IOHandler on a directory (save: created if needed) or, for loading,
 * the directory or its model.json.
 */
export function fileHandler(path: string): tf.io.IOHandler {
  return {
    save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        throw new ModelError('E_MODEL_IO', `saving to ${path}: a binary model topology cannot be written as model.json; save a Layers model`);
      }
      mkdirSync(path, { recursive: true });
      const weights = toBuffer(artifacts.weightData);
      const manifest: tf.io.WeightsManifestConfig = [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs ?? [] }];
      const json: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as tf.io.ModelJSON['modelTopology'],
        weightsManifest: manifest,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        ...(artifacts.trainingConfig !== undefined ? { trainingConfig: artifacts.trainingConfig } : {}),
        ...(artifacts.userDefinedMetadata !== undefined ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
      };
      writeFileSync(join(path, WEIGHTS_FILE), weights);
      const text = JSON.stringify(json);
      writeFileSync(join(path, MODEL_FILE), text);
      return Promise.resolve({
        modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', modelTopologyBytes: text.length, weightSpecsBytes: JSON.stringify(manifest).length, weightDataBytes: weights.length },
      });
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      const file = statSync(path, { throwIfNoEntry: false })?.isDirectory() === true ? join(path, MODEL_FILE) : path;
      let json: tf.io.ModelJSON;
      try {
        json = JSON.parse(readFileSync(file, 'utf8')) as tf.io.ModelJSON;
      } catch (err) {
        throw new ModelError('E_MODEL_IO', `cannot read a model from ${file}: ${(err as Error).message}; give the directory model.save wrote, or its model.json`, { cause: err });
      }
      return tf.io.getModelArtifactsForJSON(json, (manifest) => {
        const specs = manifest.flatMap((g) => g.weights);
        const buffers = manifest.flatMap((g) => g.paths.map((p) => readFileSync(join(dirname(file), p))));
        const all = Buffer.concat(buffers);
        return Promise.resolve([specs, all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength)]);
      });
    },
  };
}

/** True while a router asks the registry whether another handler takes the URL. */
let asking = false;

/**
 * A router that answers only when no other router takes the URL (the
 * registry refuses a URL two handlers take): tfjs-node's handler, loaded
 * after this one was registered, wins. The registry keeps the non-null
 * answers; its router type omits the null.
 */
function router(others: (url: string) => readonly unknown[]): (url: string | string[]) => tf.io.IOHandler {
  return (url) => {
    const u = Array.isArray(url) ? url[0] : url;
    if (asking || typeof u !== 'string' || !u.startsWith(SCHEME)) return null as unknown as tf.io.IOHandler;
    asking = true;
    try {
      if (others(u).length > 0) return null as unknown as tf.io.IOHandler;
    } finally {
      asking = false;
    }
    return fileHandler(u.slice(SCHEME.length));
  };
}

let registered = false;

/**
 * Make `file://` URLs save and load through fileHandler, unless a handler
 * for them exists already (tfjs-node's); one registered later also wins.
 * Returns whether it registered.
 */
export function registerFileRouter(): boolean {
  if (registered || tf.io.getSaveHandlers(`${SCHEME}probe`).length > 0) return false;
  tf.io.registerSaveRouter(router((u) => tf.io.getSaveHandlers(u)));
  tf.io.registerLoadRouter(router((u) => tf.io.getLoadHandlers(u)));
  registered = true;
  return true;
}
