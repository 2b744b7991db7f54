/**
 * Every registered metric, one line each: `export { descriptor as NAME } from './file.js';`.
 */
export { descriptor as deletion } from './deletion.js';
export { descriptor as insertion } from './insertion.js';
