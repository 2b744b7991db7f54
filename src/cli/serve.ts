/**
 * `saliency serve`: start the explorer (src/server) and print its URL; opens nothing.
 */
import { serve, type Explorer } from '../server/server.js';

export interface ServeVerbOptions {
  model?: string;
  port?: string | number;
  host?: string;
}

export async function serveVerb(o: ServeVerbOptions): Promise<Explorer> {
  const port = o.port === undefined ? 0 : Number(o.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be an integer from 0 to 65535, got '${o.port}'`);
  return serve({ model: o.model, port, host: o.host ?? '127.0.0.1' });
}
