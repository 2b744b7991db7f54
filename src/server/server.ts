/**
 * `saliency serve`: the explorer's server (fastify). Serves the built front end and the
 * models it was started with, and computes attributions for uploads through the library.
 * Binds 127.0.0.1 unless told otherwise; every reply carries the security headers.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { createReadStream } from 'node:fs';
import { catalogue } from '../app/catalogue.js';
import { loadOnnx } from '../graph/onnx.js';
import { BadInputError, UsageError } from '../errors.js';
import { frontEnd, typeOf, WEB_DIST, type Asset } from './assets.js';
import { describeModel, openServedModels, type ServedModel } from './models.js';
import { explainUpload, sagUpload, type ExplainQuery } from './compute.js';
import { LIMITS, securityHeaders, sniffImage, sniffOnnx } from './security.js';

export interface ServeOptions {
  /** An extra model (ONNX file or TensorFlow.js model) besides the shipped Fashion-MNIST CNN. */
  model?: string;
  host?: string;
  /** 0: any free port. */
  port?: number;
  /** Upload caps (bytes); defaults LIMITS. */
  limits?: { model: number; image: number };
  /** The built front end (default web/dist). */
  webDir?: string;
}

export interface Explorer {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

export async function buildServer(o: Omit<ServeOptions, 'host' | 'port'> = {}): Promise<{ app: FastifyInstance; models: ServedModel[] }> {
  const limits = o.limits ?? LIMITS;
  const assets: Map<string, Asset> = frontEnd(o.webDir ?? WEB_DIST);
  const models = await openServedModels(o.model);
  const app = Fastify({ logger: false, bodyLimit: limits.image });
  app.addHook('onClose', async () => {
    for (const m of models) await m.opened.dispose();
  });
  const headers = securityHeaders();
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.headers(headers);
    return payload;
  });
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, _req, reply) => {
    // a request the library refuses (a bad option value, an image it cannot read) is the client's: 400
    const status = err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 413 : err instanceof UsageError || err instanceof BadInputError ? 400 : (err.statusCode ?? 500);
    const message = status === 413 ? `upload too large: images up to ${mb(limits.image)}, models up to ${mb(limits.model)}` : err.message;
    void reply.code(status).type('application/json').send({ error: message });
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).type('application/json').send({ error: `not found: ${req.url.slice(0, 200)}` });
  });

  const model = (id: string) => {
    const m = models.find((x) => x.id === id);
    if (!m) throw new HttpError(404, `no model '${id}' (known: ${models.map((x) => x.id).join(', ')})`);
    return m;
  };
  const body = (raw: unknown, cap: number): Buffer => {
    if (!Buffer.isBuffer(raw) || raw.length === 0) throw new HttpError(400, 'send the file as the request body with Content-Type: application/octet-stream');
    if (raw.length > cap) throw new HttpError(413, `upload too large: ${mb(raw.length)} (the limit is ${mb(cap)})`);
    return raw;
  };

  app.get('/api/catalogue', async () => catalogue());
  app.get('/api/models', async () => models.map(describeModel));
  app.get('/models/:id/model.onnx', async (req, reply) => {
    const m = model((req.params as { id: string }).id);
    if (!m.inBrowser) throw new HttpError(404, `model '${m.id}' is not an ONNX file; the page asks the server to compute`);
    return reply.type('application/octet-stream').send(createReadStream(m.path));
  });
  app.post('/api/explain', { bodyLimit: limits.image }, async (req) => {
    const q = req.query as ExplainQuery & { model?: string };
    const image = body(req.body, limits.image);
    const kind = sniffImage(image);
    if (!kind) throw new HttpError(415, 'not an image: PNG, JPEG, GIF or WebP expected (checked by content, not by name)');
    return explainUpload(model(q.model ?? 'fashion-mnist'), image, kind, q);
  });
  app.post('/api/sag', { bodyLimit: limits.image }, async (req) => {
    const q = req.query as { model?: string; target?: string; patches?: string; threshold?: string };
    const image = body(req.body, limits.image);
    const kind = sniffImage(image);
    if (!kind) throw new HttpError(415, 'not an image: PNG, JPEG, GIF or WebP expected (checked by content, not by name)');
    return sagUpload(model(q.model ?? 'fashion-mnist'), image, kind, q);
  });
  app.post('/api/inspect', { bodyLimit: limits.model }, async (req) => {
    const bytes = body(req.body, limits.model);
    if (!sniffOnnx(bytes)) throw new HttpError(415, 'not an ONNX model (checked by content: an ONNX file starts with its ir_version field)');
    try {
      const g = loadOnnx(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length));
      return { inputs: g.inputs.map((i) => ({ name: i.name, shape: i.shape })), outputs: g.outputs.map((i) => ({ name: i.name, shape: i.shape })), nodes: g.nodes.length };
    } catch (e) {
      throw new HttpError(422, `not a readable ONNX model: ${(e as Error).message}`);
    }
  });
  // Static files: exact keys of the asset table only (see assets.ts)
  app.get('/*', async (req, reply) => {
    const path = req.url.split('?')[0];
    const asset = assets.get(path);
    if (asset) return reply.type(asset.type).send(asset.body);
    for (const m of models) {
      const file = m.images.get(path);
      if (file) return reply.type(typeOf(file)).send(createReadStream(file));
    }
    throw new HttpError(404, `not found: ${path.slice(0, 200)}`);
  });
  return { app, models };
}

/** Start the explorer; resolves once it listens (url printed by the CLI). */
export async function serve(o: ServeOptions = {}): Promise<Explorer> {
  const { app } = await buildServer(o);
  const host = o.host ?? '127.0.0.1';
  await app.listen({ host, port: o.port ?? 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : o.port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/`;
  return {
    app,
    url,
    close: () => app.close(),
  };
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(bytes < 1024 * 1024 ? 2 : 0)} MB`;
}
