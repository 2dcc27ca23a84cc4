// The options `nest build` gives the @nestjs/swagger compiler plugin (nest-cli.json), for code that
// `nest build` does not compile: `npm run openapi` (scripts/register-ts-node-swagger.js). With it,
// openapi.json is the document the built service serves (descriptions from doc comments,
// class-validator constraints), not the poorer one of a transpile-only run (ts-jest, ts-node --transpile-only).
const nestCli = require('../nest-cli.json');

const options = nestCli.compilerOptions.plugins.find((p) => p === '@nestjs/swagger' || p.name === '@nestjs/swagger').options ?? {};

module.exports = { options };
