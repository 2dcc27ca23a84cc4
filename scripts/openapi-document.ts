import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import type { OpenAPIObject } from '@nestjs/swagger';
import { join } from 'node:path';
import type { AppModule } from '../src/app.module';
import type { loadAppConfig } from '../src/ground/config/app-config';
import type { buildOpenApiDocument } from '../src/configure-app';

/** What the document is built from: the app's module, its configuration loader and the document builder. */
export interface AppPieces {
  AppModule: typeof AppModule;
  loadAppConfig: typeof loadAppConfig;
  buildOpenApiDocument: typeof buildOpenApiDocument;
}

/**
 * The pieces from the sources (`src`, compiled by whoever runs this: ts-node, ts-jest) or from the build
 * (`dist`, as `nest build` compiled it, with the swagger plugin: what `npm start` serves). Loaded on
 * demand, so that reading the build compiles none of the sources.
 */
export function appPieces(tree: 'src' | 'dist'): AppPieces {
  const root = join(__dirname, '..', tree);
  /* eslint-disable @typescript-eslint/no-require-imports */
  return {
    AppModule: require(join(root, 'app.module')).AppModule,
    loadAppConfig: require(join(root, 'ground', 'config', 'app-config')).loadAppConfig,
    buildOpenApiDocument: require(join(root, 'configure-app')).buildOpenApiDocument,
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
}

/** The public URL the committed document names as its server (a deployment serves its own at /docs-json). */
export const OPENAPI_PUBLIC_URL = 'http://localhost:3000';

/**
 * The live OpenAPI document, as the app builds it for /docs-json: the AppModule on an in-memory SQLite,
 * created but never listening (and never initialised: no migrations, no workers). What the DTOs
 * contribute depends on the swagger compiler plugin: run it compiled as `npm run openapi` does, or on
 * the build (`appPieces('dist')`).
 */
export async function generateOpenApiDocument({ AppModule, loadAppConfig, buildOpenApiDocument }: AppPieces = appPieces('src')): Promise<OpenAPIObject> {
  const config = loadAppConfig({
    DATABASE_URL: 'sqlite::memory:',
    PUBLIC_URL: OPENAPI_PUBLIC_URL,
    JWT_SECRET: 'openapi-document-only-0123456789abcdef',
    MASTER_KEY: 'openapi-document-only-0123456789abcdef',
    LOG_LEVEL: 'silent',
  });
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), { logger: false, abortOnError: false });
  try {
    return buildOpenApiDocument(app, config.publicUrl);
  } finally {
    await app.close();
  }
}

/** Pretty JSON with every object's keys sorted (arrays keep their order), ending in a newline. */
export function serializeOpenApiDocument(document: OpenAPIObject): string {
  return `${JSON.stringify(sortKeys(document), null, 2)}\n`;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]));
  }
  return value;
}
