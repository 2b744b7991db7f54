import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, symlinkSync, readFileSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildServer, serve } from './server.js';
import { sniffImage, sniffOnnx } from './security.js';
import { SHIPPED_MODEL } from './models.js';
import { PACKAGE_ROOT } from './assets.js';
import { openSessionCount } from '../engine/onnx.js';
import { openModel, resolveFor } from '../app/model.js';
import { openSession } from '../app/session.js';
import { structuredAttentionGraph } from '../methods/mask/sag.js';
import { getMetric, metricOptions } from '../metrics/registry.js';

const SECRET = 'secret-outside-the-web-dir';
let dir: string;
let app: FastifyInstance;
const png = readFileSync(join(PACKAGE_ROOT, 'models', 'fashion-mnist', 'images', '00-t-shirt-top.png'));

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'saliency-serve-test-'));
  const web = join(dir, 'web');
  mkdirSync(join(web, 'assets'), { recursive: true });
  writeFileSync(join(web, 'index.html'), '<!doctype html><title>explorer</title>');
  writeFileSync(join(web, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(dir, 'secret.txt'), SECRET);
  symlinkSync(join(dir, 'secret.txt'), join(web, 'assets', 'link.txt'));
  ({ app } = await buildServer({ webDir: web, limits: { model: 4096, image: 2048 } }));
});
after(async () => {
  await app.close();
  assert.equal(openSessionCount(), 0, 'closing the server releases its models');
  rmSync(dir, { recursive: true, force: true });
});

test('the front end and every reply carry the CSP and cross-origin isolation headers', async () => {
  for (const url of ['/', '/assets/app.js', '/api/models', '/nothing']) {
    const r = await app.inject({ url });
    assert.match(String(r.headers['content-security-policy']), /default-src 'self'; script-src 'self' 'wasm-unsafe-eval'/, url);
    assert.equal(r.headers['cross-origin-opener-policy'], 'same-origin');
    assert.equal(r.headers['cross-origin-embedder-policy'], 'require-corp');
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
  }
  const r = await app.inject({ url: '/' });
  assert.equal(r.statusCode, 200);
  assert.match(r.body, /explorer/);
  assert.equal((await app.inject({ url: '/assets/app.js' })).headers['content-type'], 'text/javascript; charset=utf-8');
});

test('no path traversal: raw, encoded, double-encoded, backslashed and symlinked paths are refused', async () => {
  const tries = [
    '/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/%2e%2e%2fsecret.txt', '/..%2fsecret.txt',
    '/%252e%252e/secret.txt', '/assets/..%5c..%5csecret.txt', '/assets/link.txt', '/models/fashion-mnist/images/../../../package.json',
    '/models/..%2f..%2fpackage.json/model.onnx', '//etc/passwd', '/etc/passwd', '/package.json',
  ];
  for (const url of tries) {
    const r = await app.inject({ url });
    assert.equal(r.statusCode, 404, url);
    assert.ok(!r.body.includes(SECRET) && !r.body.includes('"name": "saliency-lab"'), url);
  }
});

test('the shipped model and its images are served, by exact name only', async () => {
  const models = JSON.parse((await app.inject({ url: '/api/models' })).body);
  assert.equal(models[0].id, 'fashion-mnist');
  assert.deepEqual(models[0].inputShape, [1, 28, 28]);
  assert.equal(models[0].labels[0], 'T-shirt/top');
  assert.equal(models[0].images.length, 10);
  const onnx = await app.inject({ url: models[0].url });
  assert.deepEqual(onnx.rawPayload, readFileSync(SHIPPED_MODEL));
  const image = await app.inject({ url: models[0].images[0].url });
  assert.deepEqual(image.rawPayload, png);
  assert.equal((await app.inject({ url: '/models/other/model.onnx' })).statusCode, 404);
});

test('the catalogue comes from the registry', async () => {
  const c = JSON.parse((await app.inject({ url: '/api/catalogue' })).body);
  const ig = c.methods.find((m: { name: string }) => m.name === 'ig');
  assert.equal(ig.options.find((o: { key: string }) => o.key === 'steps').default, 64);
});

test('uploads: oversized ones get 413, wrong content 415, whatever the name or type claims', async () => {
  const post = (url: string, body: Buffer) => app.inject({ method: 'POST', url, payload: body, headers: { 'content-type': 'application/octet-stream' } });
  const big = await post('/api/explain', Buffer.concat([png, Buffer.alloc(2048)]));
  assert.equal(big.statusCode, 413);
  assert.match(JSON.parse(big.body).error, /too large/);
  const text = await post('/api/explain?name=x.png', Buffer.from('<svg onload=alert(1)>'.padEnd(64)));
  assert.equal(text.statusCode, 415);
  assert.match(JSON.parse(text.body).error, /not an image/);
  const notOnnx = await post('/api/inspect', Buffer.from('PK\u0003\u0004 a zip, not a model'.padEnd(64)));
  assert.equal(notOnnx.statusCode, 415);
  assert.equal((await post('/api/inspect', Buffer.alloc(8192, 8))).statusCode, 413);
});

test('an uploaded image is explained by the server with the same app layer as the CLI', async () => {
  const r = await app.inject({ method: 'POST', url: '/api/explain?method=ig&steps=16&baseline=black', payload: png, headers: { 'content-type': 'application/octet-stream' } });
  assert.equal(r.statusCode, 200, r.body);
  const j = JSON.parse(r.body);
  assert.equal(j.attribution.length, 784);
  assert.equal(j.class, 0);
  const sum = j.attribution.reduce((a: number, b: number) => a + b, 0);
  assert.ok(Math.abs(j.delta) < 0.1 * Math.abs(sum), `completeness delta ${j.delta} vs sum ${sum}`);
});

test('the structured attention graph of an uploaded image, as the library searches it; a bad option is a 400 naming it', async () => {
  const r = await app.inject({ method: 'POST', url: '/api/sag?patches=4&threshold=0.8', payload: png, headers: { 'content-type': 'application/octet-stream' } });
  assert.equal(r.statusCode, 200, r.body);
  const j = JSON.parse(r.body);
  const opened = await openModel(SHIPPED_MODEL);
  try {
    const prep = resolveFor(opened);
    const session = await openSession({ model: SHIPPED_MODEL, images: [join(PACKAGE_ROOT, 'models', 'fashion-mnist', 'images', '00-t-shirt-top.png')] });
    const input = session.batch;
    await session.opened.dispose();
    const g = await structuredAttentionGraph(opened.model, input, { target: 0, patches: 4, threshold: 0.8, expandBelow: 0.4, preprocessing: prep });
    assert.deepEqual(j.roots, g.roots.map((id) => g.nodes[id].patches));
    assert.equal(j.nodes, g.nodes.length);
    assert.ok(Math.abs(j.fullScore - g.fullScore) < 1e-6);
    assert.match(j.svg, /^<svg/);
  } finally {
    await opened.dispose();
  }
  const bad = await app.inject({ method: 'POST', url: '/api/sag?patches=100', payload: png, headers: { 'content-type': 'application/octet-stream' } });
  assert.equal(bad.statusCode, 400);
  assert.match(JSON.parse(bad.body).error, /--patches must be an integer from 1 to 64/);
});

test("metrics= evaluates the map the server computed, as the library's metrics do", async () => {
  const r = await app.inject({ method: 'POST', url: '/api/explain?method=gradient&metrics=deletion,topk-ablation', payload: png, headers: { 'content-type': 'application/octet-stream' } });
  assert.equal(r.statusCode, 200, r.body);
  const j = JSON.parse(r.body);
  assert.deepEqual(j.curves.map((c: { metric: string }) => c.metric), ['deletion', 'topk-ablation']);
  const opened = await openModel(SHIPPED_MODEL);
  try {
    for (const c of j.curves) {
      const d = getMetric(c.metric);
      const m = await d.run(opened.model, Float32Array.from(j.input), Float32Array.from(j.attribution), metricOptions(d, {}), { target: [j.class], preprocessing: resolveFor(opened), seed: 0 });
      assert.deepEqual(c.x, m.curves!.x);
      assert.deepEqual(c.y, m.curves!.y[0], c.metric);
      assert.deepEqual(c.control, m.curves!.control![0], `${c.metric}: the random control`);
      assert.equal(c.score, m.scores[0]);
    }
  } finally {
    await opened.dispose();
  }
  const bad = await app.inject({ method: 'POST', url: '/api/explain?method=gradient&metrics=sparseness', payload: png, headers: { 'content-type': 'application/octet-stream' } });
  assert.equal(bad.statusCode, 400);
  assert.match(JSON.parse(bad.body).error, /draws no curve/);
});

test('sniffing by magic bytes', () => {
  assert.equal(sniffImage(png), 'png');
  assert.equal(sniffImage(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2])), 'jpeg');
  assert.equal(sniffImage(Buffer.from('RIFF\0\0\0\0WEBPVP8 ')), 'webp');
  assert.equal(sniffImage(Buffer.from('GIF89a......')), 'gif');
  assert.equal(sniffImage(Buffer.from('\x89PNX\r\n\x1a\n')), undefined);
  assert.equal(sniffOnnx(readFileSync(SHIPPED_MODEL)), true);
  assert.equal(sniffOnnx(png), false);
});

test('serve binds 127.0.0.1 by default', async () => {
  const e = await serve({ webDir: join(dir, 'web') });
  try {
    assert.match(e.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const address = e.app.server.address();
    assert.ok(typeof address === 'object' && address && address.address === '127.0.0.1');
    assert.equal((await fetch(e.url)).status, 200);
  } finally {
    await e.close();
  }
});

test('--model adds a second model, served by its fixed path', async () => {
  const extra = join(PACKAGE_ROOT, 'fixtures', 'torch', 'tiny_vgg.onnx');
  const { app: other } = await buildServer({ webDir: join(dir, 'web'), model: extra });
  try {
    const listed = JSON.parse((await other.inject({ url: '/api/models' })).body);
    assert.deepEqual(listed.map((m: { id: string }) => m.id), ['fashion-mnist', 'served']);
    assert.deepEqual((await other.inject({ url: listed[1].url })).rawPayload, readFileSync(extra));
  } finally {
    await other.close();
  }
});
