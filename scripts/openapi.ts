/**
 * Writes openapi.json at the repository root from the live document (README "OpenAPI"):
 *   npm run openapi
 * test/e2e/openapi-document.e2e-spec.ts fails when the committed file differs from what this writes.
 */
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateOpenApiDocument, serializeOpenApiDocument } from './openapi-document';

export const OPENAPI_FILE = join(__dirname, '..', 'openapi.json');

generateOpenApiDocument().then(
  (document) => {
    writeFileSync(OPENAPI_FILE, serializeOpenApiDocument(document));
    process.stdout.write(`wrote ${OPENAPI_FILE}\n`);
    process.exit(0);
  },
  (err: unknown) => {
    console.error(err instanceof Error ? err.stack ?? err.message : err);
    process.exit(1);
  },
);
