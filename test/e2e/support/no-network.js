// Preloaded (node --require) into the OpenAPI tools the tests run: any attempt to reach the network is
// written to stderr as "NETWORK ATTEMPT …" and fails, so a test can assert that a tool works offline.
const net = require('node:net');
const dns = require('node:dns');
const report = (what) => process.stderr.write(`NETWORK ATTEMPT ${what}\n`);
net.Socket.prototype.connect = function connect(...args) {
  report(`connect ${JSON.stringify(args[0])}`);
  throw new Error('network disabled in this test');
};
const refuse = (name) => (host, ...rest) => {
  report(`dns.${name} ${host}`);
  const cb = rest.find((a) => typeof a === 'function');
  const err = Object.assign(new Error('network disabled in this test'), { code: 'ENOTFOUND' });
  if (cb) process.nextTick(cb, err);
  else return Promise.reject(err);
};
dns.lookup = refuse('lookup');
dns.resolve = refuse('resolve');
dns.promises.lookup = refuse('promises.lookup');
globalThis.fetch = async (input) => {
  report(`fetch ${String(input && input.url ? input.url : input)}`);
  throw new Error('network disabled in this test');
};
