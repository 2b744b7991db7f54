/**
 * `saliency decoy` as a library function: run the decoy test, write decoy.json, decoy.html and
 * the two models. While it runs, `out`/checkpoints holds every model's training checkpoint, so
 * a stopped run resumes where it stopped (the same line again); it is removed once the run ends.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decoyTest, type DecoyOptions, type DecoyResult } from '../trust/decoy.js';
import { decoyPage } from '../report/decoy.js';
import { writeOnnx } from '../training/export.js';

export async function decoy(o: DecoyOptions & { out?: string }): Promise<{ result: DecoyResult; out: string; files: string[] }> {
  const out = o.out ?? 'saliency-decoy';
  mkdirSync(out, { recursive: true });
  const checkpoints = join(out, 'checkpoints');
  const result = await decoyTest({
    ...o,
    checkpoints,
    onModels: ({ decoy: d, clean }) => {
      writeOnnx(d, join(out, 'decoy-model.onnx'));
      writeOnnx(clean, join(out, 'clean-model.onnx'));
    },
  });
  writeFileSync(join(out, 'decoy.json'), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(out, 'decoy.html'), decoyPage(result));
  rmSync(checkpoints, { recursive: true, force: true });
  return { result, out, files: ['decoy.json', 'decoy.html', 'decoy-model.onnx', 'clean-model.onnx'] };
}

const rate = (v: number | null) => (v === null ? ' n/a' : `${(100 * v).toFixed(0).padStart(3)}%`);

export function describeDecoy(r: DecoyResult): string {
  const a = r.accuracy;
  const lines = [
    `decoy model accuracy: with patch ${a.decoyWithPatch.toFixed(3)}, blanked ${a.decoyPatchBlanked.toFixed(3)}, another class's patch ${a.decoyPatchOfAnotherClass.toFixed(3)} -> ${r.relies ? 'relies on the patch' : 'no clear reliance'}`,
    `clean model accuracy: plain ${a.cleanOnPlain.toFixed(3)}, with patch ${a.cleanWithPatch.toFixed(3)}`,
    `share of |attribution| in the patch (area ${(100 * r.areaShare).toFixed(1)}%, flag above ${(100 * r.flagRatio * r.areaShare).toFixed(1)}%):`,
  ];
  for (const m of r.methods) lines.push(`  ${m.title.padEnd(28)} decoy ${(100 * m.decoyShare).toFixed(1).padStart(5)}%  clean ${(100 * m.cleanShare).toFixed(1).padStart(5)}%  ${m.flagsDecoy ? 'FLAGS' : 'misses'}${m.flagsClean ? ' (false alarm on clean)' : ''}`);
  lines.push('Adebayo et al. 2022 measures (K-SSD higher better; CCM, FAM lower better; rates per input):');
  const row = (signal: string, m: { title: string; kssd: number; ccm: number; fam: number; detectionRate: number | null; falseAlarmRate: number | null }) =>
    lines.push(`  ${signal.padEnd(8)} ${m.title.padEnd(26)} K-SSD ${m.kssd.toFixed(3)}  CCM ${m.ccm.toFixed(3)}  FAM ${m.fam.toFixed(3)}  detection ${rate(m.detectionRate)}  false alarms ${rate(m.falseAlarmRate)}`);
  for (const m of r.methods) row('patch', m);
  for (const a of r.artifacts) {
    lines.push(`  ${a.artifact} (marks class ${a.spuriousClass}, area ${(100 * a.areaShare).toFixed(1)}%): ${a.reliance.what}: spurious model ${(100 * a.reliance.spuriousModel).toFixed(1)}%, normal ${(100 * a.reliance.normalModel).toFixed(1)}% -> ${a.relies ? 'relies' : 'no clear reliance'}`);
    for (const m of a.methods) row(a.artifact, m);
  }
  lines.push(`${r.seconds.toFixed(1)} s (training ${r.trainSeconds.toFixed(1)} s)`);
  return lines.join('\n');
}
