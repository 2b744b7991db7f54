/**
 * The Sobol low-discrepancy sequence, unscrambled, as scipy.stats.qmc.Sobol(d,
 * scramble=False) (Bratley & Fox's Gray-code construction, 30 bits, the first point 0),
 * with Joe & Kuo's direction numbers (sobolDirections.ts).
 */
import { SOBOL_DIRECTIONS, SOBOL_MAX_DIMENSION } from './sobolDirections.js';

const BITS = 30;
let table: Uint32Array[] | undefined;

/** Direction numbers v[d][j] (already shifted to 30 bits) for every dimension of the table. */
function directions(): Uint32Array[] {
  if (table) return table;
  const rows = [new Uint32Array(BITS).fill(1)];
  for (const entry of SOBOL_DIRECTIONS.split(',')) {
    const [p, ...m] = entry.split(' ').map(Number);
    const s = m.length;
    const v = new Uint32Array(BITS);
    v.set(m);
    for (let j = s; j < BITS; j++) {
      let next = v[j - s];
      let pow2 = 1;
      for (let k = 0; k < s; k++) {
        pow2 *= 2;
        if ((p >> (s - 1 - k)) & 1) next ^= pow2 * v[j - k - 1];
      }
      v[j] = next;
    }
    rows.push(v);
  }
  for (const v of rows) for (let j = 0; j < BITS; j++) v[j] = v[j] * 2 ** (BITS - 1 - j);
  return (table = rows);
}

/** The first `count` points of the d-dimensional Sobol sequence (count x d, row-major). */
export function sobolPoints(count: number, d: number): Float64Array {
  if (!(Number.isInteger(d) && d >= 1 && d <= SOBOL_MAX_DIMENSION)) {
    throw new Error(`the Sobol sequence here has 1..${SOBOL_MAX_DIMENSION} dimensions, asked for ${d}: use a smaller grid`);
  }
  if (!(Number.isInteger(count) && count >= 0 && count < 2 ** BITS)) throw new Error(`bad number of Sobol points: ${count}`);
  const v = directions();
  const out = new Float64Array(count * d);
  const quasi = new Uint32Array(d);
  for (let i = 0; i < count; i++) {
    for (let k = 0; k < d; k++) out[i * d + k] = quasi[k] / 2 ** BITS;
    let c = 0; // position of the lowest zero bit of i
    while ((i >> c) & 1) c++;
    for (let k = 0; k < d; k++) quasi[k] = (quasi[k] ^ v[k][c]) >>> 0;
  }
  return out;
}
