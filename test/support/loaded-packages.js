// Preloaded (NODE_OPTIONS=--require) into the built service by test/artifact/bundle.artifact-spec.ts. On
// SIGUSR2 it writes to PLS_LOADED_PACKAGES_FILE every module Node's loader has loaded (file, and the file
// of the module that required it first), as JSON. Test-only: the service knows nothing of it.
const fs = require('node:fs');

const out = process.env.PLS_LOADED_PACKAGES_FILE;
if (out) {
  process.on('SIGUSR2', () => {
    const loaded = Object.values(require.cache).map((m) => ({ file: m.filename, parent: m.parent ? m.parent.filename : null }));
    fs.writeFileSync(`${out}.tmp`, JSON.stringify(loaded));
    fs.renameSync(`${out}.tmp`, out);
  });
}
