#!/usr/bin/env node
// Runs the compiled CLI; `npm run build` (or `npm start`) produces dist/.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  console.error('deskgate is not built yet: run `npm run build` (or `npm start`) first.');
  process.exit(1);
}
await import(entry.href);
