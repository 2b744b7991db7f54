#!/usr/bin/env node
// The `saliency` command (built from src/cli/main.ts into dist/ by `npm run build`, which `npm ci` runs).
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
