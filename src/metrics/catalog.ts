/**
 * Every registered metric, one line each: `export { descriptor as NAME } from './file.js';`.
 */
