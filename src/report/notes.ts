/**
 * Report-wide text: how to read the pictures, and the machine the report was made on.
 */
import { cpus } from 'node:os';

/** Report-wide facts: the machine and the software. */
export function environment(): Array<[string, string]> {
  const c = cpus();
  return [
    ['node', process.version],
    ['machine', `${process.platform}/${process.arch}, ${c.length} × ${c[0]?.model.trim() ?? 'cpu'}`],
  ];
}

export const READING_NOTES = [
  'Heat maps follow Sturmfels et al. (Distill 2020): the attribution is summed over colour channels, its absolute value taken, capped at the 99th percentile of the image and mapped to the inferno scale (black = none, yellow = most). Overlays draw that map over a grey copy of the input, more opaque where the attribution is larger.',
  'Signed maps keep the sign: green pixels raise the explained output, pink ones lower it (PiYG scale, white = 0, capped at the 99th percentile of |attribution|).',
  'δ is the completeness delta of path methods: Σφ − (f(x) − f(x′)). Integrated Gradients with enough steps makes it small; a large δ means too few steps. For baseline distributions (uniform, gaussian, training data) δ compares with the mean output over the drawn baselines: Σφ − (f(x) − mean f(x′)); Expected Gradients estimates the integral by sampling (a baseline and an α per sample), so its δ shrinks as 1/√samples. Gradient, Input × Gradient and SmoothGrad are not path methods and have no δ.',
  'Every method explains the same scalar: the logit of the class under "explains" (by default each image\'s top class), so maps across columns are comparable in sign and units.',
];
