// `node -r ./scripts/register-ts-node-swagger.js <file.ts>`: ts-node with the swagger compiler plugin
// (scripts/swagger-plugin.js). The plugin needs the type checker, so this is not transpile-only.
const plugin = require('@nestjs/swagger/plugin');
const { options } = require('./swagger-plugin');

require('ts-node').register({
  transpileOnly: false,
  files: true,
  transformers: (program) => ({ before: [plugin.before(options, program)] }),
});
