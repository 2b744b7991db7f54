/** The decoy-test report section: reliance check, patch shares per method on both models, flags. */
import type { DecoyResult } from '../trust/decoy.js';
import { escapeHtml, standalonePage } from './html.js';

const pct = (v: number) => `${(100 * v).toFixed(1)}%`;

/** Bars of the patch share per method (decoy model dark, clean model light) against the flag line. */
function shareBars(r: DecoyResult): string {
  const rowH = 26;
  const left = 170;
  const scale = 360 / Math.max(0.05, ...r.methods.flatMap((m) => [m.decoyShare, m.cleanShare]), r.flagRatio * r.areaShare);
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${left + 420}" height="${r.methods.length * rowH + 30}" font-family="sans-serif" font-size="11">`];
  r.methods.forEach((m, i) => {
    const y = i * rowH + 4;
    parts.push(`<text x="${left - 6}" y="${y + 14}" text-anchor="end">${escapeHtml(m.title)}</text>`);
    parts.push(`<rect x="${left}" y="${y}" width="${m.decoyShare * scale}" height="10" fill="#b2182b"><title>decoy model ${pct(m.decoyShare)}</title></rect>`);
    parts.push(`<rect x="${left}" y="${y + 11}" width="${m.cleanShare * scale}" height="10" fill="#92c5de"><title>clean model ${pct(m.cleanShare)}</title></rect>`);
  });
  const fx = left + r.flagRatio * r.areaShare * scale;
  const ax = left + r.areaShare * scale;
  const bottom = r.methods.length * rowH + 4;
  parts.push(`<line x1="${fx}" x2="${fx}" y1="0" y2="${bottom}" stroke="black" stroke-dasharray="4 3"/><text x="${fx}" y="${bottom + 14}" text-anchor="middle">flag ${pct(r.flagRatio * r.areaShare)}</text>`);
  parts.push(`<line x1="${ax}" x2="${ax}" y1="0" y2="${bottom}" stroke="#666"/><text x="${ax}" y="${bottom + 24}" text-anchor="middle">area ${pct(r.areaShare)}</text></svg>`);
  return parts.join('');
}

export function decoySection(r: DecoyResult): string {
  const a = r.accuracy;
  return [
    '<section><h2>Decoy test: a class-coding patch</h2>',
    `<p>A 4x4 patch (${pct(r.areaShare)} of the pixels) whose intensity encodes the class is added to training and test images. The decoy model is trained on those, the clean model on the plain images. A method <b>flags</b> reliance when its mean share of |attribution| inside the patch exceeds ${r.flagRatio} x the area share.</p>`,
    `<table><tr><th>model / test images</th><th>accuracy</th></tr><tr><td>decoy, with the patch</td><td>${pct(a.decoyWithPatch)}</td></tr><tr><td>decoy, patch blanked</td><td>${pct(a.decoyPatchBlanked)}</td></tr><tr><td>decoy, another class's patch</td><td>${pct(a.decoyPatchOfAnotherClass)}</td></tr><tr><td>clean, plain</td><td>${pct(a.cleanOnPlain)}</td></tr><tr><td>clean, with the patch</td><td>${pct(a.cleanWithPatch)}</td></tr></table>`,
    `<p>The decoy model ${r.relies ? '<b>relies</b>' : 'does <b>not</b> clearly rely'} on the patch (blanking or swapping it costs ${r.relies ? 'more' : 'less'} than 20 points).</p>`,
    shareBars(r),
    '<table><tr><th>method</th><th>share in patch, decoy model</th><th>clean model</th><th>flags the decoy model</th><th>false alarm on the clean model</th></tr>',
    ...r.methods.map((m) => `<tr><td>${escapeHtml(m.title)}</td><td>${pct(m.decoyShare)}</td><td>${pct(m.cleanShare)}</td><td>${m.flagsDecoy ? 'yes' : 'no'}</td><td>${m.flagsClean ? 'yes' : 'no'}</td></tr>`),
    '</table>',
    spuriousSection(r),
    `<p>Training ${r.trainSeconds.toFixed(1)} s, total ${r.seconds.toFixed(1)} s.</p></section>`,
  ].join('\n');
}

const f3 = (v: number) => v.toFixed(3);

/** Adebayo et al. 2022's measures for the patch and each artifact. */
function spuriousSection(r: DecoyResult): string {
  const rows = (name: string, methods: { title: string; kssd: number; ccm: number; fam: number; detectionRate: number | null; falseAlarmRate: number | null }[]) =>
    methods.map((m) => `<tr><td>${escapeHtml(name)}</td><td>${escapeHtml(m.title)}</td><td>${f3(m.kssd)}</td><td>${f3(m.ccm)}</td><td>${f3(m.fam)}</td><td>${m.detectionRate === null ? 'n/a' : pct(m.detectionRate)}</td><td>${m.falseAlarmRate === null ? 'n/a' : pct(m.falseAlarmRate)}</td></tr>`);
  const reliance = r.artifacts.map((a) => `<tr><td>${escapeHtml(a.title)}</td><td>${pct(a.areaShare)}</td><td>${escapeHtml(a.reliance.what)}</td><td>${pct(a.reliance.spuriousModel)}</td><td>${pct(a.reliance.normalModel)}</td><td>${a.relies ? '<b>relies</b>' : 'no clear reliance'}</td></tr>`);
  return [
    '<h3>Spurious signals (Adebayo et al. 2022)</h3>',
    `<p>Besides the patch, artifacts that mark every training image of one class (tag, stripes, blur), each with its own spurious model; the clean model is the normal model. SSIM of |maps| scaled to [0, 1]: <b>K-SSD</b> (known spurious signal detection, higher is better) compares the spurious model's map on inputs with the artifact to the artifact's mask; <b>CCM</b> (cause for concern, lower is better) compares spurious and normal model on inputs without it; <b>FAM</b> (false alarm, lower is better) compares normal and spurious model on inputs with it. Detection rate: inputs whose |attribution| share in the artifact exceeds ${r.flagRatio} x its area share, on the spurious model; false alarm rate: the same on the normal model (n/a when the artifact covers more than 1/${r.flagRatio} of the pixels).</p>`,
    r.artifacts.length ? `<table><tr><th>artifact</th><th>area</th><th>reliance check</th><th>spurious model</th><th>normal model</th><th></th></tr>${reliance.join('')}</table>` : '',
    '<table><tr><th>signal</th><th>method</th><th>K-SSD</th><th>CCM</th><th>FAM</th><th>detection rate</th><th>false alarm rate</th></tr>',
    ...rows('corner patch', r.methods),
    ...r.artifacts.flatMap((a) => rows(a.artifact, a.methods)),
    '</table>',
  ].join('\n');
}

export function decoyPage(r: DecoyResult, title = 'Saliency Lab: decoy test'): string {
  return standalonePage(title, decoySection(r));
}
