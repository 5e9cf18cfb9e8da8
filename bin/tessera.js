#!/usr/bin/env node
// Launcher for `tessera` on the PATH. In a checkout the CLI is TypeScript run by Node's type stripping (Node 23.6
// and later); the published package carries it compiled in dist/, since Node strips no types under node_modules.
import { existsSync } from 'node:fs';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 23 || (major === 23 && minor < 6)) {
  process.stderr.write(`tessera: needs Node 24 (this is ${process.version}); run it through npm (npm start, npm run tessera) to use the pinned Node\n`);
  process.exit(1);
}
const source = new URL('../src/cli.ts', import.meta.url);
await import(existsSync(source) ? source.href : new URL('../dist/cli.js', import.meta.url).href);
