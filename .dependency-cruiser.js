// The layers of src/ (docs/DESIGN.md "Layers"), checked by scripts/check-architecture.js (run by the unit
// spec src/architecture.spec.ts and by `npm run lint:architecture`). From the bottom up:
//   ground   src/ground/   config, database, common: what every part stands on, ports for what it needs above
//   core     src/core/     password, tokens, keys, mail, messages, views, the entities the core needs
//   access   src/access/   who is calling (guard, caller resolution, decorators) and what it may do (the policy)
//   features src/features/ accounts, api-keys, users, auth, audit, metrics, webhooks, oauth, ...
//   edge     src/edge/     dialects, pages, the D3-D5 APIs, the OpenAPI rules, the CLI
//   entry    src/*.ts      main.ts, app.module.ts, configure-app.ts
// A file imports only its own layer and the layers below it. `import type` is no arrow (it leaves nothing in the
// built code), nor is the TypeORM entity registry (src/ground/database/data-source-options.ts lists every entity).
const LAYERS = ['ground', 'core', 'access', 'features', 'edge'];

const above = (layer) => LAYERS.slice(LAYERS.indexOf(layer) + 1);

const layerRules = LAYERS.slice(0, -1).map((layer) => ({
  name: `${layer}-imports-above`,
  severity: 'error',
  comment: `src/${layer}/ imports only src/${LAYERS.slice(0, LAYERS.indexOf(layer) + 1).join(', src/')}; move the import's target down, or define a port (interface + token) here and provide it from above`,
  from: {
    path: `^src/${layer}/`,
    ...(layer === 'ground' ? { pathNot: '^src/ground/database/data-source-options\\.ts$' } : {}),
  },
  to: { path: `^src/(${above(layer).join('|')})/|^src/[^/]+\\.ts$`, dependencyTypesNot: ['type-only'] },
}));

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'entity-registry-only-entities',
      severity: 'error',
      comment: 'the entity registry reaches above the ground only for entities',
      from: { path: '^src/ground/database/data-source-options\\.ts$' },
      to: { path: `^src/(${above('ground').join('|')})/`, pathNot: '\\.entity\\.ts$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'password-core-names-no-side-effect',
      severity: 'error',
      comment: 'the password core publishes domain events; mail, sessions, recovery and everything above subscribe to them (STYLE.md item 8)',
      from: { path: '^src/core/password/' },
      to: { path: '^src/core/(mail|sessions|recovery|views|messages)/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'a file that imports itself through others',
      from: { path: '^src/' },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
  ],
  options: {
    includeOnly: '^src/',
    exclude: { path: '\\.spec\\.ts$' },
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    moduleSystems: ['cjs', 'es6'],
  },
};
