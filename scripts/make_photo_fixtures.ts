/**
 * Copies a few public-domain / CC0 photographs shipped by Debian's python3-skimage into
 * fixtures/images/, downscaled to at most 300 px on the long side (JPEG quality 85), for the
 * demo and tests. Licences: fixtures/images/LICENSES.md.
 *
 *   apt-get install python3-skimage && node --import tsx scripts/make_photo_fixtures.ts
 */
import { mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';

const SOURCE = '/usr/lib/python3/dist-packages/skimage/data';
const OUT = new URL('../fixtures/images/', import.meta.url).pathname;
const PHOTOS = ['astronaut.png', 'chelsea.png', 'coffee.png', 'rocket.jpg'];
const LONG_SIDE = 300;

mkdirSync(OUT, { recursive: true });
for (const file of PHOTOS) {
  const src = join(SOURCE, file);
  if (!existsSync(src)) throw new Error(`${src} is missing: apt-get install python3-skimage`);
  const dest = join(OUT, file.replace(/\.(png|jpg)$/, '.jpg'));
  const info = await sharp(src)
    .resize({ width: LONG_SIDE, height: LONG_SIDE, fit: 'inside', withoutEnlargement: true })
    .jpeg({ quality: 85, mozjpeg: true })
    .toFile(dest);
  console.log(`${dest}: ${info.width}x${info.height}, ${info.size} bytes`);
}
