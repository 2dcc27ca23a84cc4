// `npm run cli -- <command>`: the built CLI (dist/, made by `npm ci` / `npm run build`), else the sources through ts-node.
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const built = join(__dirname, '..', 'dist', 'edge', 'cli', 'main.js');
if (existsSync(built)) require(built);
else {
  require('ts-node').register({ transpileOnly: true });
  require('../src/edge/cli/main.ts');
}
