/**
 * First contact (issue 9): what a new user hits with their own model, files and machine,
 * as spawned `saliency` processes (src/cli/main.ts through tsx, as cli.test.ts does).
 * One test (or a few) per class of the issue; each fails on the code before the fix.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadOnnx, saveOnnx } from '../graph/onnx.js';
import { encodeNpy } from '../io/npy.js';
import { wideSigmoidChainOnnx } from '../engine/testing.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = join(ROOT, 'src/cli/main.ts');
const FASHION = join(ROOT, 'models/fashion-mnist/model.onnx');
const COAT = join(ROOT, 'models/fashion-mnist/images/04-coat.png');
const VIT = join(ROOT, 'fixtures/vit/tiny_vit.onnx');
const VIT_INPUT = join(ROOT, 'fixtures/vit/tiny_vit.input.npy');

const work = mkdtempSync(join(tmpdir(), 'saliency-firstcontact-'));
chmodSync(work, 0o755); // readable by the unprivileged user the permission tests run as
const cleanups: Array<() => void> = [];
process.on('exit', () => {
  for (const c of cleanups) c();
  rmSync(work, { recursive: true, force: true });
});

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function saliency(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; uid?: number } = {}): Ran {
  const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    ...ids(options.uid),
    cwd: options.cwd ?? ROOT,
    env: options.env ?? process.env,
    encoding: 'utf8',
    timeout: 90_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

test('2. false refusals: a ViT (Where on shapes only) explains; an op on the gradient path is refused by node name', () => {
  const out = join(work, 'vit');
  const ok = saliency(['explain', '--model', VIT, '--input', VIT_INPUT, '--method', 'gradient', '--out', out, '--json']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.ok(existsSync(join(out, 'explain.json')));
  // the first GELU's Erf replaced by a one-input Max (no backward rule): on the path, refused
  const g = loadOnnx(VIT);
  const erf = g.nodes.find((n) => n.opType === 'Erf')!;
  erf.opType = 'Max';
  const broken = join(work, 'vit-max.onnx');
  writeFileSync(broken, saveOnnx(g));
  const bad = saliency(['explain', '--model', broken, '--input', VIT_INPUT, '--method', 'gradient', '--out', join(work, 'vit-max')]);
  assert.equal(bad.code, 3, bad.stderr);
  assert.match(bad.stderr, /no backward rule for op 'Max'/);
  assert.ok(bad.stderr.includes(`'${erf.name}'`), `the node is named: ${bad.stderr}`);
  assert.doesNotMatch(bad.stderr, /Where/);
});

/** A spawned `saliency` that keeps running (for signals and concurrent runs). */
function start(args: string[], options: { uid?: number } = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], ...ids(options.uid) });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((res) =>
    child.on('close', (code, signal) => res({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

function ids(uid?: number): { uid?: number; gid?: number } {
  return uid === undefined ? {} : { uid, gid: uid };
}

async function waitFor(what: string, ok: () => boolean, timeoutMs = 90_000): Promise<void> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const staged = (dir: string) => existsSync(dir) && readdirSync(dir).some((f) => f.startsWith('.saliency-partial-'));
const hidden = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.startsWith('.')) : []);
/** A long Integrated Gradients run on the shipped Fashion-MNIST model (about half a minute if not stopped). */
const LONG = ['explain', '--model', FASHION, '--image', COAT, '--steps', '100000'];

test('5. interrupts: SIGTERM, SIGHUP and SIGINT remove the staged output, the lock and the folder the run created', async () => {
  for (const signal of ['SIGTERM', 'SIGHUP', 'SIGINT'] as const) {
    const out = join(work, `signal-${signal}`);
    const run = start([...LONG, '--out', out]);
    await waitFor(`${signal} run to stage its output`, () => staged(out));
    run.child.kill(signal);
    const r = await run.done;
    assert.equal(r.signal, signal, `dies of ${signal} (code ${r.code}): ${r.stderr}`);
    assert.ok(!existsSync(out), `${signal}: nothing left behind, found ${existsSync(out) ? readdirSync(out).join(', ') : ''}`);
    assert.deepEqual(readdirSync(work).filter((f) => f.includes('partial')), [], 'no staging folder beside it either');
  }
  // a folder that existed keeps its files and loses only what the run added
  const kept = join(work, 'signal-existing');
  mkdirSync(kept);
  writeFileSync(join(kept, 'notes.txt'), 'mine');
  const run = start([...LONG, '--out', kept]);
  await waitFor('staging', () => staged(kept));
  run.child.kill('SIGTERM');
  await run.done;
  assert.deepEqual(readdirSync(kept), ['notes.txt']);
});

test('5. Ctrl-C in a terminal shows the cursor again and turns line wrapping back on', { skip: !existsSync('/usr/bin/script') && 'needs script(1) for a terminal' }, async () => {
  const out = join(work, 'ctrl-c');
  const line = [process.execPath, '--import', 'tsx', MAIN, ...LONG, '--out', out].map((a) => `'${a}'`).join(' ');
  // script(1) gives the command a terminal; ^C written to it is delivered as SIGINT
  const child = spawn('/usr/bin/script', ['-qfec', `exec ${line}`, '/dev/null'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let screen = '';
  child.stdout.on('data', (d) => (screen += d));
  child.stderr.on('data', (d) => (screen += d));
  const done = new Promise<number | null>((res) => child.on('close', (code) => res(code)));
  await waitFor('the progress bar', () => screen.includes('evaluations'));
  child.stdin.write('\u0003');
  const code = await done;
  assert.equal(code, 130, screen.slice(-400));
  const hiddenAt = screen.lastIndexOf('\u001b[?25l');
  const nowrapAt = screen.lastIndexOf('\u001b[?7l');
  assert.ok(hiddenAt >= 0 && nowrapAt >= 0, 'the bar hid the cursor and turned wrapping off');
  assert.ok(screen.lastIndexOf('\u001b[?25h') > hiddenAt, 'cursor shown again');
  assert.ok(screen.lastIndexOf('\u001b[?7h') > nowrapAt, 'line wrapping back on');
  assert.ok(!existsSync(out), 'nothing left behind');
});

/** Permission tests need a user the permissions apply to: as root, run the command as nobody. */
const USER = process.getuid?.() === 0 ? 65534 : undefined;

test('1. outputs are staged inside --out: a writable folder under a read-only parent works, an unwritable one fails before any work', () => {
  const parent = join(work, 'readonly-parent');
  mkdirSync(parent);
  const sticky = join(parent, 'tmp');
  mkdirSync(sticky);
  chmodSync(sticky, 0o1777); // like /tmp: anyone may create files
  chmodSync(parent, 0o555); // like /: nobody but root may
  cleanups.push(() => chmodSync(parent, 0o755));
  const r = saliency(['explain', '--model', FASHION, '--image', COAT, '--method', 'gradient', '--out', sticky, '--json'], { uid: USER });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(readdirSync(sticky).filter((f) => f.startsWith('.')), [], 'no lock or staging left');
  assert.ok(readdirSync(sticky).includes('explain.json'));
  // a sub-folder to create under it works too
  const fresh = saliency(['explain', '--model', FASHION, '--image', COAT, '--method', 'gradient', '--out', join(sticky, 'new'), '--json'], { uid: USER });
  assert.equal(fresh.code, 0, fresh.stderr);
  // unwritable: fails at once (the run would take half a minute), naming the folder and the fix, no errno
  for (const out of [parent, join(parent, 'missing')]) {
    const t0 = Date.now();
    const bad = saliency([...LONG, '--out', out], { uid: USER });
    assert.equal(bad.code, 4, bad.stderr);
    assert.ok(Date.now() - t0 < 15_000, 'failed before computing');
    assert.match(bad.stderr, /permission denied; choose a folder you can write to \(--out\)/);
    assert.ok(bad.stderr.includes(out), bad.stderr);
    assert.doesNotMatch(bad.stderr, /EACCES|partial|errno|at .*\.js/);
  }
  assert.deepEqual(readdirSync(parent), ['tmp']);
});

test('1. an output folder on another file system (a mount point) gets its files (no EXDEV)', { skip: !(existsSync('/dev/shm') && statSync('/dev/shm').dev !== statSync('/dev').dev) && 'no separate /dev/shm mount' }, () => {
  const r = saliency(['explain', '--model', VIT, '--input', VIT_INPUT, '--method', 'gradient', '--out', '/dev/shm', '--json']);
  const written = r.code === 0 ? (JSON.parse(r.stdout) as { runs: Array<{ file?: string }> }).runs.map((x) => x.file!).filter(Boolean) : [];
  try {
    assert.equal(r.code, 0, r.stderr);
    assert.ok(written.length > 0 && written.every((f) => existsSync(join('/dev/shm', f))), JSON.stringify(written));
    assert.ok(!hidden('/dev/shm').some((f) => f.startsWith('.saliency')));
  } finally {
    for (const f of [...written, 'explain.json']) rmSync(join('/dev/shm', f), { force: true });
  }
});

test('9. two runs, one output folder: the second is told another run holds it; a dead run\'s lock is taken over', async () => {
  const out = join(work, 'shared');
  // long enough (tens of seconds) that the second run, however slow its start, finds the first still at work
  const first = start(['explain', '--model', FASHION, '--image', COAT, '--steps', '40000', '--out', out, '--json']);
  await waitFor('the first run to lock the folder', () => existsSync(join(out, '.saliency-lock')));
  const second = saliency(['explain', '--model', FASHION, '--image', COAT, '--method', 'gradient', '--out', out, '--json']);
  assert.equal(second.code, 4, second.stderr);
  assert.match(second.stderr, new RegExp(`another saliency run \\(pid ${first.child.pid},.*is writing to ${out.replace(/[/.]/g, '\\$&')}; wait for it to finish or choose another --out`));
  const r = await first.done;
  assert.equal(r.code, 0, r.stderr);
  const record = JSON.parse(r.stdout) as { runs: Array<{ id: string }> };
  assert.deepEqual(record.runs.map((x) => x.id), ['ig-black']);
  assert.deepEqual(JSON.parse(readFileSync(join(out, 'explain.json'), 'utf8')).runs.map((x: { id: string }) => x.id), ['ig-black'], 'explain.json is the first run\'s');
  assert.deepEqual(hidden(out), []);
  // a lock left by a process that no longer exists (SIGKILL) is taken over, with its staged files
  const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
  writeFileSync(join(out, '.saliency-lock'), JSON.stringify({ pid: dead, host: (await import('node:os')).hostname(), started: new Date().toISOString() }));
  mkdirSync(join(out, `.saliency-partial-${dead}-x`));
  const third = saliency(['explain', '--model', FASHION, '--image', COAT, '--method', 'gradient', '--out', out, '--json']);
  assert.equal(third.code, 0, third.stderr);
  assert.deepEqual(hidden(out), []);
});

test('8. batch size: chosen from the model\'s activation memory (a wide model runs two examples per call, in bounded memory)', { skip: !existsSync('/usr/bin/time') && 'needs /usr/bin/time' }, () => {
  const model = join(work, 'wide.onnx');
  writeFileSync(model, wideSigmoidChainOnnx(64, 500)); // 125 MB of activations per example: 2 per call
  const input = join(work, 'wide.npy');
  writeFileSync(input, encodeNpy({ shape: [1, 1, 1024, 500], data: new Float32Array(1024 * 500).map((_, i) => Math.sin(i) * 0.5) }));
  const info = saliency(['inspect', '--model', model, '--json']);
  assert.equal(info.code, 0, info.stderr);
  assert.deepEqual((JSON.parse(info.stdout) as { memory: { batchSize: number } }).memory.batchSize, 2);
  // a tiny model (a call of 64 within 16 MB of activations, engine/memory.ts) takes 64 per call
  assert.equal((JSON.parse(saliency(['inspect', '--model', FASHION, '--json']).stdout) as { memory: { batchSize: number } }).memory.batchSize, 64);
  // Integrated Gradients, 8 steps: 1.35 GB at the old default (16 per call), 0.77 GB at 2
  const r = spawnSync('/usr/bin/time', ['-f', 'maxrss=%M', process.execPath, '--import', 'tsx', MAIN, 'explain', '--model', model, '--input', input, '--steps', '8', '--out', join(work, 'wide-out'), '--json'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const kb = Number(/maxrss=(\d+)/.exec(r.stderr)![1]);
  console.log(`wide model peak ${(kb / 2 ** 20).toFixed(2)} GB`);
  assert.ok(kb < 1.0 * 2 ** 20, `peak memory ${(kb / 2 ** 20).toFixed(2)} GB`);
});

/** A proxy that connects nowhere: it records the hosts asked for and refuses them. */
async function refusingProxy(): Promise<{ url: string; hosts: string[]; close: () => void }> {
  const http = await import('node:http');
  const hosts: string[] = [];
  const server = http.createServer((req, res) => {
    hosts.push(req.url ?? '');
    res.writeHead(403).end();
  });
  server.on('connect', (req, socket) => {
    hosts.push(req.url ?? '');
    socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, hosts, close: () => server.close() };
}

test('3. installed as a dependency, onnxruntime-node\'s install step downloads nothing after our preinstall', { skip: `${process.platform}/${process.arch}` !== 'linux/x64' && 'onnxruntime-node downloads only on linux/x64' }, async () => {
  // a user's project: node_modules/saliency-lab (our preinstall) beside node_modules/onnxruntime-node (its real install script)
  const project = join(work, 'user-project');
  const ortReal = join(ROOT, 'node_modules/onnxruntime-node');
  const ort = join(project, 'node_modules/onnxruntime-node');
  mkdirSync(join(ort, 'bin/napi-v6/linux/x64'), { recursive: true });
  const { cpSync, symlinkSync } = await import('node:fs');
  cpSync(join(ortReal, 'script'), join(ort, 'script'), { recursive: true });
  cpSync(join(ortReal, 'package.json'), join(ort, 'package.json'));
  for (const dep of ['global-agent', 'adm-zip']) symlinkSync(join(ROOT, 'node_modules', dep), join(project, 'node_modules', dep));
  mkdirSync(join(project, 'node_modules/saliency-lab/scripts'), { recursive: true });
  cpSync(join(ROOT, 'scripts/onnxruntime-offline.cjs'), join(project, 'node_modules/saliency-lab/scripts/onnxruntime-offline.cjs'));
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string>; files: string[] };
  assert.equal(pkg.scripts['preinstall'], 'node scripts/onnxruntime-offline.cjs');
  assert.ok(pkg.files.includes('scripts/onnxruntime-offline.cjs'), 'the script is in the published files');

  const proxy = await refusingProxy();
  // the user's environment: none of the skip settings this repository's .npmrc gives its own installs
  const env: NodeJS.ProcessEnv = { ...process.env, GLOBAL_AGENT_HTTPS_PROXY: proxy.url, GLOBAL_AGENT_HTTP_PROXY: proxy.url, npm_config_local_prefix: project, npm_package_json: join(ort, 'package.json') };
  for (const k of Object.keys(env)) if (/onnxruntime_node_install/i.test(k)) delete env[k];
  const ortInstall = () => spawnAsync(process.execPath, ['script/install'], { cwd: ort, env });
  try {
    const before = await ortInstall();
    assert.notEqual(before.code, 0, 'without the preinstall the download is attempted and fails offline');
    assert.ok(proxy.hosts.some((h) => h.includes('nuget.org')), proxy.hosts.join(', '));
    proxy.hosts.length = 0;
    const pre = spawnSync(process.execPath, ['scripts/onnxruntime-offline.cjs'], { cwd: join(project, 'node_modules/saliency-lab'), env, encoding: 'utf8' });
    assert.equal(pre.status, 0, pre.stderr);
    assert.match(pre.stdout, /CUDA download skipped/);
    const after = await ortInstall();
    assert.equal(after.code, 0, after.stderr);
    assert.deepEqual(proxy.hosts, [], 'nothing contacted');
    assert.ok(existsSync(join(ort, 'bin/napi-v6/linux/x64/SALIENCY-LAB-PLACEHOLDERS.txt')));
  } finally {
    proxy.close();
  }
  // a user who asks for the CUDA libraries gets onnxruntime's own behaviour
  rmSync(join(ort, 'bin'), { recursive: true });
  mkdirSync(join(ort, 'bin/napi-v6/linux/x64'), { recursive: true });
  const chosen = spawnSync(process.execPath, ['scripts/onnxruntime-offline.cjs'], { cwd: join(project, 'node_modules/saliency-lab'), env: { ...env, ONNXRUNTIME_NODE_INSTALL: 'cuda12' }, encoding: 'utf8' });
  assert.equal(chosen.status, 0);
  assert.deepEqual(readdirSync(join(ort, 'bin/napi-v6/linux/x64')), []);
});

/** spawn, without blocking the event loop (the proxy runs in this process). */
function spawnAsync(cmd: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<Ran> {
  return new Promise((res) => {
    const child = spawn(cmd, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      res({ code: code ?? -1, stdout, stderr });
    });
  });
}

test('4. every guess is stated (stderr and JSON); labels, dataset .npy and extra outputs are checked or named', () => {
  // the shipped model without its sidecar
  const bare = join(work, 'bare');
  mkdirSync(bare);
  copyFileSync(FASHION, join(bare, 'model.onnx'));
  const r = saliency(['explain', '--model', join(bare, 'model.onnx'), '--image', COAT, '--method', 'gradient', '--out', join(work, 'bare-out'), '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /assuming preprocessing = null \(no sidecar \(.*model\.preprocess\.json\) and no preprocessing flags/);
  assert.match(r.stderr, /assuming pixelRange = \[0,1\] \(default: pixels \/ 255; set with --range\)/);
  assert.match(r.stderr, /assuming mean = 0 .*--mean/);
  const record = JSON.parse(r.stdout) as { assumptions: Array<{ key: string; flag: string }> };
  assert.deepEqual(record.assumptions.map((a) => a.key), ['preprocessing', 'layout', 'resize', 'cropFraction', 'pixelRange', 'mean', 'std', 'batchSize']);
  // with its sidecar, only the batch size is chosen by the tool
  const full = saliency(['explain', '--model', FASHION, '--image', COAT, '--method', 'gradient', '--out', join(work, 'full-out'), '--json']);
  assert.deepEqual((JSON.parse(full.stdout) as { assumptions: Array<{ key: string }> }).assumptions.map((a) => a.key), ['batchSize']);

  // a label file with a header line: 11 names for 10 outputs
  const labels = join(work, 'labels-header.txt');
  writeFileSync(labels, ['name', ...readFileSync(join(ROOT, 'models/fashion-mnist/labels.txt'), 'utf8').trim().split('\n')].join('\n') + '\n');
  for (const input of [['--image', COAT], ['--input', join(work, 'coat.npy')]]) {
    if (input[0] === '--input') writeFileSync(join(work, 'coat.npy'), encodeNpy({ shape: [1, 1, 28, 28], data: new Float32Array(784).fill(0.5) }));
    const bad = saliency(['explain', '--model', FASHION, ...input, '--labels', labels, '--method', 'gradient', '--out', join(work, 'labels-out')]);
    assert.equal(bad.code, 3, bad.stderr);
    assert.match(bad.stderr, /has 11 names but the model has 10 outputs \(a header line/);
  }
  // a dataset baseline of the right size in the wrong shape (channels last) is refused, not reinterpreted
  const hwc = join(work, 'dataset-hwc.npy');
  writeFileSync(hwc, encodeNpy({ shape: [4, 28, 28, 1], data: new Float32Array(4 * 784) }));
  const ds = saliency(['explain', '--model', FASHION, '--image', COAT, '--baseline', `dataset:${hwc}`, '--steps', '4', '--out', join(work, 'ds-out')]);
  assert.equal(ds.code, 3, ds.stderr);
  assert.match(ds.stderr, /has shape \[4, 28, 28, 1\]; the model takes \[n, 1, 28, 28\]/);
  // a second model output: named, and --output picks another
  const g = loadOnnx(FASHION);
  const relu = g.nodes.find((n) => n.opType === 'Relu')!;
  g.outputs.push({ name: relu.outputs[0], dtype: 'float32', shape: null });
  const two = join(bare, 'two.onnx');
  writeFileSync(two, saveOnnx(g));
  const t = saliency(['explain', '--model', two, '--input', join(work, 'coat.npy'), '--method', 'gradient', '--out', join(work, 'two-out')]);
  assert.equal(t.code, 0, t.stderr);
  assert.match(t.stderr, new RegExp(`assuming output = "logits" \\(the model has 2 outputs \\(logits, ${relu.outputs[0].replace(/[/.]/g, '\\$&')}\\); only this one is explained`));
});

test('6. exit codes: NaN, empty, int64 and truncated inputs are bad input (3) in words; unknown preset is usage (2); --version; --help has the table', () => {
  const cases: Array<[string, Uint8Array, RegExp]> = [];
  const nan = new Float32Array(784);
  nan[100] = NaN;
  cases.push(['nan', encodeNpy({ shape: [1, 1, 28, 28], data: nan }), /non-finite value \(NaN\) in example 0/]);
  cases.push(['empty', encodeNpy({ shape: [0, 1, 28, 28], data: new Float32Array(0) }), /holds no examples/]);
  cases.push(['int64', encodeNpy({ shape: [1, 1, 28, 28], data: new BigInt64Array(784) }), /holds int64 values; model inputs are float32 \(or float64\)/]);
  const whole = encodeNpy({ shape: [2, 1, 28, 28], data: new Float32Array(2 * 784) });
  cases.push(['truncated', whole.subarray(0, whole.length - 100), /is truncated: its header says float32 \[2, 1, 28, 28\]/]);
  for (const [what, bytes, message] of cases) {
    const file = join(work, `${what}.npy`);
    writeFileSync(file, bytes);
    const r = saliency(['explain', '--model', FASHION, '--input', file, '--method', 'gradient', '--out', join(work, `${what}-out`)]);
    assert.equal(r.code, 3, `${what}: ${r.stderr}`);
    assert.match(r.stderr, message, what);
    assert.doesNotMatch(r.stderr, /BigInt64Array|Invalid typed array length|at .*\.ts:\d+/, what);
  }
  const preset = saliency(['explain', '--model', FASHION, '--image', COAT, '--preprocess', 'imagenett', '--out', join(work, 'preset-out')]);
  assert.equal(preset.code, 2, preset.stderr);
  assert.match(preset.stderr, /--preprocess 'imagenett' is not a preset \(presets: imagenet, keras-tf\)/);
  const version = saliency(['--version']);
  assert.equal(version.code, 0);
  assert.equal(version.stdout.trim(), (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);
  const help = saliency(['--help']);
  assert.equal(help.code, 0);
  for (const code of ['0', '1', '2', '3', '4', '70']) assert.match(help.stdout, new RegExp(`^  ${code} +\\S`, 'm'), `exit code ${code} in --help`);
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  for (const code of ['0', '1', '2', '3', '4', '70']) assert.match(readme, new RegExp(`\\| ${code} \\|`), `exit code ${code} in the README`);
});

test('7. convergence: the summary gives steps and δ relative to f(x) - f(x\'), and warns above 5%', () => {
  const r = saliency(['explain', '--model', VIT, '--input', VIT_INPUT, '--steps', '2', '--out', join(work, 'steps2')]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /ig-black .* \(-?\d+\.\d% of f\(x\) - f\(x'\), 2 steps\)/);
  assert.match(r.stderr, /warning: ig-black on x\[1\]: \|δ\| is \d+\.\d% of \|f\(x\) - f\(x'\)\| \(tolerance 5%\) with 2 steps/);
  const record = JSON.parse(readFileSync(join(work, 'steps2', 'explain.json'), 'utf8')) as { warnings: string[]; runs: Array<{ results: Array<{ relativeDelta: number; stepsUsed: number; delta: number; fx: number; fBaseline: number }> }> };
  assert.equal(record.warnings.length, 2);
  for (const x of record.runs[0].results) {
    assert.equal(x.stepsUsed, 2);
    assert.ok(Math.abs(x.relativeDelta - x.delta / (x.fx - x.fBaseline)) < 1e-12);
  }
  const auto = saliency(['explain', '--model', VIT, '--input', VIT_INPUT, '--steps', 'auto', '--out', join(work, 'auto'), '--json']);
  assert.equal(auto.code, 0, auto.stderr);
  const a = JSON.parse(auto.stdout) as { warnings: string[]; runs: Array<{ results: Array<{ relativeDelta: number; stepsUsed: number }> }> };
  assert.deepEqual(a.warnings, []);
  for (const x of a.runs[0].results) assert.ok(x.stepsUsed >= 16 && Math.abs(x.relativeDelta) <= 0.05, JSON.stringify(x));
});
