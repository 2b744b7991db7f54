/**
 * Baseline specs as a user writes them: 'black', 'blur:sigma=5', 'gaussian:0.2',
 * 'dataset:DIR', 'dataset:x.npy:limit=200', or a bare 'x.npy' (a dataset of model inputs).
 * A baseline has one name per concept: `text` (as written), `baselineId` (for file
 * names), `baselineTitle` (for column heads) and, once built (build.ts), a
 * `description` (a sentence for records). Whether it is random is asked of the built
 * baseline (`isRandom`, baseline.ts), the one test.
 */
import { UsageError } from '../errors.js';

export type BaselineKind = 'black' | 'white' | 'gray' | 'maxdistance' | 'blur' | 'uniform' | 'gaussian' | 'dataset';

export interface BaselineSpec {
  kind: BaselineKind;
  /** blur: pixels; gaussian: pixel units. */
  sigma?: number;
  /** dataset: a directory of images, a .npy of model inputs, or an IDX file of images. */
  source?: string;
  /** dataset: at most this many examples are read (a seeded sample). */
  limit?: number;
  /** The spec as written, for messages. */
  text: string;
}

export const BASELINE_KINDS: readonly BaselineKind[] = ['black', 'white', 'gray', 'maxdistance', 'blur', 'uniform', 'gaussian', 'dataset'];

export const BASELINE_DEFAULTS = { blurSigma: 5, gaussianSigma: 0.1, datasetLimit: 1000 } as const;

const BASELINE_ALIASES: Record<string, BaselineKind> = {
  black: 'black',
  zero: 'black',
  white: 'white',
  gray: 'gray',
  grey: 'gray',
  maxdistance: 'maxdistance',
  maxdist: 'maxdistance',
  blur: 'blur',
  blurred: 'blur',
  uniform: 'uniform',
  gaussian: 'gaussian',
  dataset: 'dataset',
  data: 'dataset',
  training: 'dataset',
};

function positiveNumber(flag: string, key: string, text: string, allowZero = false): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || v < 0 || (!allowZero && v === 0)) {
    throw new UsageError(`${flag}: ${key} must be a ${allowZero ? 'non-negative' : 'positive'} number, got '${text}'`);
  }
  return v;
}

/**
 * 'black', 'maxdistance', 'blur', 'blur:sigma=5', 'uniform', 'gaussian:sigma=0.1',
 * 'dataset:DIR' (also 'dataset:DIR:limit=200'), 'x.npy' (= 'dataset:x.npy').
 */
export function parseBaseline(text: string): BaselineSpec {
  const flag = '--baseline';
  // a bare .npy file: a dataset of model inputs
  if (/\.npy$/i.test(text) && !/^[a-z]+:/i.test(text)) return { ...parseBaseline(`dataset:${text}`), text };
  const colon = text.indexOf(':');
  const head = (colon < 0 ? text : text.slice(0, colon)).toLowerCase().replace(/[-_\s]/g, '');
  const rest = colon < 0 ? '' : text.slice(colon + 1);
  const kind = BASELINE_ALIASES[head];
  if (!kind) throw new UsageError(`${flag}: unknown baseline '${text}' (known: ${BASELINE_KINDS.join(', ')}; e.g. blur:sigma=5, dataset:DIR)`);
  const spec: BaselineSpec = { kind, text };
  if (kind === 'dataset') {
    // dataset:PATH[:limit=N]; the path itself may hold ':' only on odd file systems
    const m = /^(.*?)(?::limit=(\S+))?$/.exec(rest)!;
    if (!m[1]) throw new UsageError(`${flag}: 'dataset' needs a source: dataset:DIR (images), dataset:FILE.npy (model inputs) or dataset:FILE-idx3-ubyte.gz`);
    spec.source = m[1];
    spec.limit = m[2] === undefined ? BASELINE_DEFAULTS.datasetLimit : positiveNumber(flag, 'limit', m[2]);
    if (!Number.isInteger(spec.limit)) throw new UsageError(`${flag}: limit must be an integer, got '${m[2]}'`);
    return spec;
  }
  const params = new Map<string, string>();
  if (rest) {
    for (const part of rest.split(/[:;]/)) {
      const eq = part.indexOf('=');
      const key = (eq < 0 ? 'sigma' : part.slice(0, eq)).trim().toLowerCase();
      params.set(key, (eq < 0 ? part : part.slice(eq + 1)).trim());
    }
  }
  const allowed = kind === 'blur' || kind === 'gaussian' ? ['sigma'] : [];
  for (const key of params.keys()) {
    if (!allowed.includes(key)) {
      throw new UsageError(`${flag}: '${kind}' takes ${allowed.length ? allowed.map((k) => `${k}=`).join(', ') : 'no parameters'}, got '${text}'`);
    }
  }
  if (kind === 'blur') spec.sigma = params.has('sigma') ? positiveNumber(flag, 'sigma', params.get('sigma')!) : BASELINE_DEFAULTS.blurSigma;
  if (kind === 'gaussian') spec.sigma = params.has('sigma') ? positiveNumber(flag, 'sigma', params.get('sigma')!) : BASELINE_DEFAULTS.gaussianSigma;
  return spec;
}

/** Short id for file names: 'blur-sigma5', 'gaussian-sigma0.1', 'dataset'. */
export function baselineId(spec: BaselineSpec): string {
  if (spec.kind === 'blur' || spec.kind === 'gaussian') return `${spec.kind}-sigma${spec.sigma}`;
  return spec.kind;
}

/** Human title: 'blur σ=5', 'max distance', 'training data'. */
export function baselineTitle(spec: BaselineSpec): string {
  switch (spec.kind) {
    case 'maxdistance':
      return 'max distance';
    case 'blur':
      return `blur σ=${spec.sigma}`;
    case 'gaussian':
      return `gaussian σ=${spec.sigma}`;
    case 'dataset':
      return 'training data';
    default:
      return spec.kind;
  }
}

