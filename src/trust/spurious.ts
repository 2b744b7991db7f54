/**
 * Spurious-signal measures of Adebayo et al. 2022 for feature attributions, on a model
 * trained with a spurious artifact ("spurious model") and one trained without ("normal
 * model"), explained on inputs with the artifact ("spurious inputs") and without ("normal
 * inputs"). Similarity is SSIM of the |maps| scaled to [0, 1], as in the paper:
 * - K-SSD (known spurious signal detection): spurious model on spurious inputs against the
 *   ground truth, the artifact's mask. Higher: the method shows a signal it is told to look for.
 * - CCM (cause for concern): spurious model against normal model, both on normal inputs.
 *   Lower: the maps differ, so a user without the artifact at hand has a cause for concern.
 * - FAM (false alarm): normal model against spurious model, both on spurious inputs.
 *   Higher: the method shows the normal model as it shows the spurious one (a false alarm).
 * Besides, per input, the share of |attribution| inside the artifact: a method flags an input
 * when that share exceeds flagRatio x the artifact's share of the pixels; the detection rate is
 * the share of flagged inputs on the spurious model, the false alarm rate on the normal model
 * (null for artifacts too large for that rule: stripes, blur).
 */
import type { AnyMethodDescriptor } from '../methods/descriptor.js';
import { explainAll } from './sanityMaps.js';
import { ssim, unitRange } from './similarity.js';

export interface SpuriousMethodResult {
  method: string;
  title: string;
  kssd: number;
  ccm: number;
  fam: number;
  /** Mean share of |attribution| in the artifact, spurious and normal model, spurious inputs. */
  spuriousShare: number;
  cleanShare: number;
  /** null when the artifact covers more than 1/flagRatio of the pixels (no share can exceed flagRatio x its area). */
  detectionRate: number | null;
  falseAlarmRate: number | null;
}

export interface SpuriousInputs {
  spurious: Float32Array;
  normal: Float32Array;
  /** The artifact's pixels per input ([n, h, w]). */
  masks: Uint8Array;
  targets: number[];
}

export interface SpuriousMeasureOptions {
  flagRatio: number;
  seed: number;
  methodOptions?: Record<string, Record<string, unknown>>;
  onProgress?: (what: string) => void;
}

const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / Math.max(a.length, 1);
const scaled = (m: ArrayLike<number>) => unitRange(Float64Array.from(m, Math.abs));

/** |map| inside the mask over all |map| (0 for an all-zero map). */
export function maskShare(map: ArrayLike<number>, mask: ArrayLike<number>): number {
  let inside = 0;
  let all = 0;
  for (let p = 0; p < map.length; p++) {
    const a = Math.abs(map[p]);
    all += a;
    if (mask[p]) inside += a;
  }
  return all > 0 ? inside / all : 0;
}

export async function spuriousMeasures(spuriousOnnx: Uint8Array, normalOnnx: Uint8Array, inputs: SpuriousInputs, descriptors: readonly AnyMethodDescriptor[], o: SpuriousMeasureOptions): Promise<SpuriousMethodResult[]> {
  const common = { classes: inputs.targets, seed: o.seed, methodOptions: o.methodOptions };
  o.onProgress?.('explaining the spurious model');
  const spS = await explainAll(spuriousOnnx, inputs.spurious, descriptors, common);
  const spN = await explainAll(spuriousOnnx, inputs.normal, descriptors, common);
  o.onProgress?.('explaining the normal model');
  const clS = await explainAll(normalOnnx, inputs.spurious, descriptors, common);
  const clN = await explainAll(normalOnnx, inputs.normal, descriptors, common);
  const [h, w] = spS.shape.length === 3 ? [spS.shape[1], spS.shape[2]] : [1, spS.shape[0]];
  const hw = h * w;
  const masks = Array.from({ length: spS.n }, (_, e) => inputs.masks.subarray(e * hw, (e + 1) * hw));
  const flagAt = masks.map((m) => o.flagRatio * (m.reduce((a, b) => a + b, 0) / hw));
  const rate = (shares: number[]) => (flagAt.every((f) => f >= 1) ? null : mean(shares.map((s, e) => (s > flagAt[e] ? 1 : 0))));
  return descriptors.map((d) => {
    const sharesSp = spS.maps[d.name].map((m, e) => maskShare(m, masks[e]));
    const sharesCl = clS.maps[d.name].map((m, e) => maskShare(m, masks[e]));
    return {
      method: d.name,
      title: d.title,
      kssd: mean(spS.maps[d.name].map((m, e) => ssim(scaled(m), masks[e], h, w))),
      ccm: mean(spN.maps[d.name].map((m, e) => ssim(scaled(m), scaled(clN.maps[d.name][e]), h, w))),
      fam: mean(clS.maps[d.name].map((m, e) => ssim(scaled(m), scaled(spS.maps[d.name][e]), h, w))),
      spuriousShare: mean(sharesSp),
      cleanShare: mean(sharesCl),
      detectionRate: rate(sharesSp),
      falseAlarmRate: rate(sharesCl),
    };
  });
}
