import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import type { OpenAPIObject } from '@nestjs/swagger';
import request from 'supertest';
import { Script } from 'node:vm';
import { serveOpenApi, swaggerUiCsp } from './swagger-ui';

@Module({})
class EmptyModule {}

/** Every replacement pattern of String.prototype.replace, and text that ends a script element. */
const HOSTILE = 'bcrypt: `$2a$`, `$2b$`; argon2: `$argon2id$`; $` $\' $& $$ $1 $<name> </script><script>alert(1)</script>';

const DOCUMENT: OpenAPIObject = {
  openapi: '3.0.0',
  info: { title: 'test', version: '1', description: HOSTILE },
  paths: { '/x': { get: { summary: HOSTILE, responses: { '200': { description: HOSTILE } } } } },
};

describe('serveOpenApi', () => {
  let sut: NestExpressApplication;

  beforeAll(async () => {
    sut = await NestFactory.create<NestExpressApplication>(EmptyModule, { logger: false });
    serveOpenApi(sut, DOCUMENT, 'https://id.example.com/prefix/');
    await sut.init();
  });
  afterAll(async () => {
    await sut.close();
  });

  it('serves the document unchanged at /docs-json, whatever its descriptions hold', async () => {
    const res = await request(sut.getHttpServer()).get('/docs-json').expect(200);
    expect(res.body).toEqual(DOCUMENT);
  });

  it('gives Swagger UI no document: its init script parses and loads the document by URL under PUBLIC_URL\'s path', async () => {
    const res = await request(sut.getHttpServer()).get('/docs/swagger-ui-init.js').expect(200);
    expect(() => new Script(res.text)).not.toThrow();
    expect(res.text).not.toContain('$2a$');
    expect(res.text).toMatch(/"url":\s*"\/prefix\/docs-json"/);
  });

  it('answers /docs and its assets with their own CSP (scripts from this origin only), and /docs-json without it', async () => {
    const http = request(sut.getHttpServer());
    const csp = swaggerUiCsp('https://id.example.com/prefix/');
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("connect-src 'self' https://id.example.com;");
    for (const path of ['/docs', '/docs/', '/docs/swagger-ui-init.js', '/docs/swagger-ui-bundle.js']) {
      const res = await http.get(path).expect(200);
      expect([path, res.headers['content-security-policy']]).toEqual([path, csp]);
    }
    expect((await http.get('/docs-json')).headers['content-security-policy']).toBeUndefined();
  });
});

describe('serveOpenApi with a document factory', () => {
  it('builds the document at the first request for it, not at start, and once: /docs-json and /docs-yaml share it', async () => {
    const factory = jest.fn(() => DOCUMENT);
    const app = await NestFactory.create<NestExpressApplication>(EmptyModule, { logger: false });
    try {
      serveOpenApi(app, factory, 'https://id.example.com/');
      await app.init();
      expect(factory).not.toHaveBeenCalled();
      const http = request(app.getHttpServer());
      expect((await http.get('/docs-json').expect(200)).body).toEqual(DOCUMENT);
      await http.get('/docs-json').expect(200);
      expect((await http.get('/docs-yaml').expect(200)).text).toContain('openapi: 3.0.0');
      expect(factory).toHaveBeenCalledTimes(1);
    } finally {
      await app.close();
    }
  });
});
