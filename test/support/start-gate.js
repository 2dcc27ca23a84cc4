// Preloaded (`node -r`) into service processes a test starts together: the first DataSource.initialize()
// of each process waits until START_GATE_COUNT processes have reached it (one file per process in
// START_GATE_DIR), so they hit the database at the same moment, whatever their module-loading times.
// Test-only: the service itself knows nothing of it.
const fs = require('node:fs');
const path = require('node:path');

const dir = process.env.START_GATE_DIR;
const count = Number(process.env.START_GATE_COUNT || 2);
if (dir) {
  const { DataSource } = require('typeorm');
  const initialize = DataSource.prototype.initialize;
  let passed = false;
  DataSource.prototype.initialize = async function gatedInitialize(...args) {
    if (!passed) {
      passed = true;
      fs.writeFileSync(path.join(dir, String(process.pid)), '');
      const deadline = Date.now() + 30_000;
      while (fs.readdirSync(dir).length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    }
    return initialize.apply(this, args);
  };
}
