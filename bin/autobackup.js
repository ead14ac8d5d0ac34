#!/usr/bin/env node
// Entry of `npx autobackup`: runs the TypeScript CLI through tsx, so no build step is needed.
const [major] = process.versions.node.split('.').map(Number);
if (major < 22) {
  process.stderr.write(
    `autobackup needs Node.js 22 or newer (this is ${process.version}); run it through npx or npm so the ` +
      "project's own Node (node_modules/.bin/node) is used\n",
  );
  process.exit(1);
}
const { register } = await import('tsx/esm/api');
register();
await import('../service/src/cli/index.ts');
