/**
 * What the bundler gives for Node-only modules (node:fs, sharp, ...): the library code
 * reaching them reads files, which the page never asks for; a call says so.
 */
const fail = (): never => {
  throw new Error('this needs files or native code and runs only in Node (saliency explain); the explorer works on images and models in memory');
};
const stub: Record<string, unknown> = new Proxy({}, { get: (_t, key) => (key === '__esModule' ? false : fail) });
export default stub;
export const readFileSync = fail, existsSync = fail, statSync = fail, readdirSync = fail, writeFileSync = fail, renameSync = fail, unlinkSync = fail, mkdirSync = fail, lstatSync = fail;
export const readFile = fail, writeFile = fail;
export const join = fail, dirname = fail, basename = fail, extname = fail, resolve = fail, isAbsolute = fail, relative = fail;
export const availableParallelism = () => 1, tmpdir = fail, gunzipSync = fail, createRequire = fail, fileURLToPath = fail, pathToFileURL = fail;
export const InferenceSession = {}, Tensor = fail;
