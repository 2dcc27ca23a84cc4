// `npm run cli -- <command>`: the built CLI, from its one-file bundle with its code cache
// (dist/cli-start.js, made by `npm ci` / `npm run build`), else from the per-file build (dist/ without the
// bundle, after `nest build` alone), else the sources through ts-node.
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const dist = join(__dirname, '..', 'dist');
if (existsSync(join(dist, 'bundle', 'cli.js')) && existsSync(join(dist, 'cli-start.js'))) require(join(dist, 'cli-start.js'));
else if (existsSync(join(dist, 'edge', 'cli', 'main.js'))) require(join(dist, 'edge', 'cli', 'main.js'));
else {
  require('ts-node').register({ transpileOnly: true });
  require('../src/edge/cli/main.ts');
}
