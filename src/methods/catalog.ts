/**
 * Every registered method, one line each: `export { descriptor as NAME } from './file.js';`.
 * The registry (registry.ts) orders them by family and `order`, whatever the order here.
 */
export { descriptor as blurig } from './paths/blurIG.js';
export { descriptor as guidedig } from './paths/guidedIG.js';
export { descriptor as xrai } from './regions/xrai.js';
export { descriptor as ggig } from './paths/geometricallyGuidedIG.js';
