#!/usr/bin/env node
// Launcher for `tessera` on the PATH: the CLI is TypeScript run by Node's type stripping (Node 23.6 and later).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 23 || (major === 23 && minor < 6)) {
  process.stderr.write(`tessera: needs Node 24 (this is ${process.version}); run it through npm (npm start, npm run tessera) to use the pinned Node\n`);
  process.exit(1);
}
await import('../src/cli.ts');
