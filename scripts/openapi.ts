/**
 * Writes openapi.json at the repository root from the live document (README "OpenAPI"):
 *   npm run openapi            (node -r ./scripts/register-ts-node-swagger.js scripts/openapi.ts)
 * With --stdout, prints the document instead. With --built, the document comes from dist/ (what
 * `nest build` made, with the same plugin) and none of the sources are compiled: a second, not a minute
 * (test/e2e/openapi-document.e2e-spec.ts runs it so, after making sure dist/ is fresh). Compiled with the swagger plugin as `nest build` applies
 * it, so the file is what the built service serves at /docs-json (with PUBLIC_URL http://localhost:3000).
 * test/e2e/openapi-document.e2e-spec.ts fails when the committed file differs from what this writes.
 */
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { appPieces, generateOpenApiDocument, serializeOpenApiDocument } from './openapi-document';

export const OPENAPI_FILE = join(__dirname, '..', 'openapi.json');

generateOpenApiDocument(appPieces(process.argv.includes('--built') ? 'dist' : 'src')).then(
  (document) => {
    const json = serializeOpenApiDocument(document);
    if (process.argv.includes('--stdout')) {
      process.stdout.write(json, () => process.exit(0));
      return;
    }
    writeFileSync(OPENAPI_FILE, json);
    process.stdout.write(`wrote ${OPENAPI_FILE}\n`);
    process.exit(0);
  },
  (err: unknown) => {
    console.error(err instanceof Error ? err.stack ?? err.message : err);
    process.exit(1);
  },
);
