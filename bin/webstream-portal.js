#!/usr/bin/env node
// The CLI runs the compiled build (npm run build); `npm start` builds first.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('webstream-portal is not built yet: run `npm run build` (or `npm start`) first.\n');
  process.exit(1);
}
const { main } = await import(entry.href);
await main(process.argv);
