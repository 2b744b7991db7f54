/**
 * The files the server may send: the built front end (web/dist) and the shipped models'
 * files, read once at start into a table keyed by URL path. A request is served only
 * when its path is a key: nothing from the URL ever reaches the file system, so `../`,
 * `%2e%2e/`, `..%2f` and symlinks pointing out cannot reach other files.
 */
import { readdirSync, readFileSync, lstatSync, existsSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Asset {
  body: Buffer;
  type: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.txt': 'text/plain; charset=utf-8',
  '.onnx': 'application/octet-stream',
};

/** The package root (this file is src/server/ or dist/server/). */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const WEB_DIST = join(PACKAGE_ROOT, 'web', 'dist');

export function typeOf(path: string): string {
  return TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

/** Regular files under dir (symlinks are skipped, not followed), as url prefix + relative path. */
export function readTree(dir: string, urlPrefix: string, into = new Map<string, Asset>()): Map<string, Asset> {
  if (!existsSync(dir)) return into;
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    const st = lstatSync(full);
    if (st.isSymbolicLink()) continue;
    if (st.isDirectory()) readTree(full, `${urlPrefix}${name}/`, into);
    else if (st.isFile()) into.set(`${urlPrefix}${name}`, { body: readFileSync(full), type: typeOf(name) });
  }
  return into;
}

/** The built front end; a clear error when it was not built. */
export function frontEnd(dir = WEB_DIST): Map<string, Asset> {
  const assets = readTree(dir, '/');
  if (!assets.has('/index.html')) {
    throw new Error(`the explorer's front end is not built (${join(dir, 'index.html')} is missing); run \`npm run build:web\``);
  }
  assets.set('/', assets.get('/index.html')!);
  return assets;
}
