// Preloaded (`node -r`) into service processes a test starts together: each process's first touch of the
// database waits until START_GATE_COUNT processes have reached theirs (one file per process in
// START_GATE_DIR), so they hit the database at the same moment, whatever their module-loading times.
// Test-only: the service itself knows nothing of it.
//
// The service runs from a bundle (dist/start.js) with its own copies of TypeORM and pg, out of reach of a
// preload; the gate therefore waits where the bundle meets what it shares with this process:
// - SQLite: the first `new Database(…)` of better-sqlite3 (a native addon, loaded from node_modules by
//   both), i.e. TypeORM opening the file. Synchronous, like the constructor: the process blocks there.
// - PostgreSQL: the first TCP connection to DATABASE_URL's port (node:net), i.e. the start-up's check of
//   the database; the connection is made once the gate opens.
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');

const dir = process.env.START_GATE_DIR;
const count = Number(process.env.START_GATE_COUNT || 2);
const TIMEOUT_MS = 30_000;

function arrive() {
  fs.writeFileSync(path.join(dir, String(process.pid)), '');
}
const open = () => fs.readdirSync(dir).length >= count;

if (dir) {
  const url = process.env.DATABASE_URL || '';
  if (/^postgres(ql)?:/.test(url)) {
    const port = Number(new URL(url).port || 5432);
    const connect = net.Socket.prototype.connect;
    let arrived = false;
    net.Socket.prototype.connect = function gatedConnect(...args) {
      const target = typeof args[0] === 'object' && args[0] !== null ? Number(args[0].port) : Number(args[0]);
      if (arrived || target !== port) return connect.apply(this, args);
      arrived = true;
      arrive();
      const deadline = Date.now() + TIMEOUT_MS;
      const wait = () => (open() || Date.now() > deadline ? connect.apply(this, args) : setTimeout(wait, 5));
      wait();
      return this;
    };
  } else {
    const file = require.resolve('better-sqlite3');
    const Database = require(file);
    let arrived = false;
    require.cache[file].exports = new Proxy(Database, {
      construct(target, args, newTarget) {
        if (!arrived) {
          arrived = true;
          arrive();
          const deadline = Date.now() + TIMEOUT_MS;
          const sleep = new Int32Array(new SharedArrayBuffer(4));
          while (!open() && Date.now() < deadline) Atomics.wait(sleep, 0, 0, 5);
        }
        return Reflect.construct(target, args, newTarget);
      },
    });
  }
}
