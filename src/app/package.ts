/**
 * Where the package's own files are (models/, fixtures/): the repository root under
 * tsx (src/app/), or the installed package's root once built (dist/src/app/ or dist/app/).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository (or installed package) root: the nearest folder above this file holding package.json. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json'))) return dir.endsWith('/') ? dir : `${dir}/`;
    dir = dirname(dir);
  }
  return fileURLToPath(new URL('../../', import.meta.url));
}
