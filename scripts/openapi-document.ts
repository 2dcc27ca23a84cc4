import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import type { OpenAPIObject } from '@nestjs/swagger';
import { AppModule } from '../src/app.module';
import { loadAppConfig } from '../src/ground/config/app-config';
import { buildOpenApiDocument } from '../src/configure-app';

/** The public URL the committed document names as its server (a deployment serves its own at /docs-json). */
export const OPENAPI_PUBLIC_URL = 'http://localhost:3000';

/**
 * The live OpenAPI document, as the app builds it for /docs-json: the AppModule on an in-memory SQLite,
 * created but never listening (and never initialised: no migrations, no workers). What the DTOs
 * contribute depends on the swagger compiler plugin: run it compiled as `npm run openapi` does.
 */
export async function generateOpenApiDocument(): Promise<OpenAPIObject> {
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
