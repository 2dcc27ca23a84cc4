import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { OpenAPIObject } from '@nestjs/swagger';
import { DialectId, dialectForPath } from '../../../src/edge/errors/dialect-registry';

/**
 * Checks HTTP responses against the OpenAPI 3.0 document the app serves at /docs-json: every response
 * an e2e test receives through `t.http` (test-app.ts) must be one the document lists for its operation,
 * status and content type, and a JSON body must match that response's schema. So the document cannot
 * drift from the service unnoticed.
 *
 * - Operations are found by path (concrete paths first, then templates such as `/users/{id}`; case and a
 *   trailing slash ignored, as the service's routes ignore them), then method. HEAD is checked as the GET
 *   it answers, without a body.
 * - Status: the exact code, else its range (`4XX`), else `default`.
 * - Content type: the media type (`type/subtype`, parameters ignored) must be one the response lists;
 *   a response documented without content must come without a Content-Type.
 * - Body: JSON (`application/json`, `+json`) is validated with ajv (ajv-formats for `email`, `uuid`,
 *   `date-time`...), OpenAPI's `nullable` and `$ref`s to `#/components/schemas` understood. Objects that
 *   list `properties` are closed unless they say otherwise: a field the document does not name is drift
 *   too. HTML pages, CSS, scripts and metrics text are checked for status and content type only.
 * - A request that matches no operation (an unknown route or method) must get a 4xx in the envelope of
 *   its path's dialect, as that dialect's operations document their errors.
 * - Swagger UI's own routes (`/docs`, `/docs-json`, `/docs-yaml`) are the document itself, not in it.
 */
export class OpenApiResponseChecker {
  private readonly ajv: Ajv;
  private readonly paths: Array<{ template: string; params: number; pattern: RegExp; item: Record<string, OperationObject> }>;
  private readonly errorSchemas = new Map<DialectId, unknown[]>();
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(document: OpenAPIObject) {
    this.ajv = new Ajv({ strict: true, strictTypes: false, strictTuples: false, allErrors: true, allowUnionTypes: true });
    addFormats(this.ajv);
    // Annotations of OpenAPI 3.0 that JSON Schema does not know.
    this.ajv.addVocabulary(['example', 'xml', 'externalDocs', 'discriminator']);
    const schemas = (document.components?.schemas ?? {}) as Record<string, unknown>;
    this.ajv.addSchema({ $id: DOC_ID, definitions: Object.fromEntries(Object.entries(schemas).map(([name, s]) => [name, toJsonSchema(s)])) });
    // Concrete paths before templated ones (OpenAPI 3.0 "Path Templating Matching"): `/accounts/set-password`
    // is D1's, whatever its method, never `/accounts/{id}`. Case is ignored, as the service's routes ignore it.
    this.paths = Object.entries(document.paths)
      .map(([template, item]) => ({
        template,
        params: (template.match(/\{[^}]+\}/g) ?? []).length,
        pattern: new RegExp(`^${template.split(/\{[^}]+\}/).map(escapeRegExp).join('[^/]+')}$`, 'i'),
        item: item as Record<string, OperationObject>,
      }))
      .sort((a, b) => a.params - b.params);
    // The error bodies each envelope documents (by the dialect of the operation's path), for requests no operation takes.
    for (const { template, item } of this.paths) {
      const dialect = dialectForPath(template.replace(/\{[^}]+\}/g, 'x'));
      const schemas = this.errorSchemas.get(dialect) ?? [];
      for (const op of Object.values(item).filter((o) => o && typeof o === 'object' && 'responses' in o)) {
        for (const [status, response] of Object.entries(op.responses)) {
          if (!/^[45]/.test(status)) continue;
          for (const [media, { schema }] of Object.entries(response.content ?? {})) {
            if (isJson(essence(media) ?? '') && schema && !schemas.some((s) => JSON.stringify(s) === JSON.stringify(schema))) schemas.push(schema);
          }
        }
      }
      this.errorSchemas.set(dialect, schemas);
    }
  }

  /** Null when the response is one the document describes; otherwise what is wrong, naming the operation. */
  check(method: string, url: string, res: CheckedResponse): string | null {
    const path = requestPath(url);
    if (SWAGGER_UI_ROUTES.test(path)) return null;
    const verb = method.toLowerCase() === 'head' ? 'get' : method.toLowerCase();
    const pathItem = this.paths.find((p) => p.pattern.test(path));
    const operation = pathItem?.item[verb];
    const mediaType = essence(res.headers['content-type']);
    if (!pathItem || !operation) return this.checkUnrouted(method, path, res, mediaType);
    const where = `${verb.toUpperCase()} ${pathItem.template} (${operation.operationId})`;
    const documented = operation.responses;
    const key = [String(res.status), `${String(res.status)[0]}XX`, 'default'].find((k) => documented[k]);
    if (!key) return `${where}: status ${res.status} is not documented (documented: ${Object.keys(documented).join(', ')})`;
    const content = documented[key].content ?? {};
    const mediaTypes = Object.keys(content);
    if (mediaTypes.length === 0) {
      return mediaType === null ? null : `${where}: status ${res.status} is documented without a body, but the response has Content-Type ${res.headers['content-type']}`;
    }
    const media = mediaTypes.find((m) => essence(m) === mediaType);
    if (!media) return `${where}: status ${res.status} answered Content-Type ${res.headers['content-type'] ?? '(none)'}, documented: ${mediaTypes.join(', ')}`;
    if (method.toLowerCase() === 'head' || !isJson(essence(media) ?? '')) return null;
    const schema = content[media].schema;
    if (!schema) return null;
    return this.validate(`${where} ${key} ${media}`, schema, res.text, `${where}: status ${res.status} ${mediaType}`);
  }

  /** Null when `value` matches `schema` (an OpenAPI schema of the document, e.g. a request body's); otherwise the schema errors. */
  matches(schema: unknown, value: unknown): string | null {
    const validate = this.ajv.compile(toJsonSchema(schema) as object);
    return validate(value) ? null : describeErrors(validate.errors ?? []);
  }

  /**
   * A request no operation takes (an unknown route, or a method its path does not have) gets a 4xx in the
   * envelope of its path's dialect (src/edge/errors/dialect-registry.ts): one of the error bodies that
   * dialect's operations document.
   */
  private checkUnrouted(method: string, path: string, res: CheckedResponse, mediaType: string | null): string | null {
    const dialect = dialectForPath(path);
    const where = `${method.toUpperCase()} ${path} (no operation in the document; dialect ${dialect})`;
    if (res.status < 400 || res.status > 499) return `${where}: answered ${res.status}; a request no operation takes must get a 4xx`;
    if (method.toLowerCase() === 'head') return null;
    if (dialect === 'page') return mediaType === 'text/html' ? null : `${where}: status ${res.status} answered Content-Type ${res.headers['content-type'] ?? '(none)'}, expected text/html`;
    if (mediaType !== 'application/json') return `${where}: status ${res.status} answered Content-Type ${res.headers['content-type'] ?? '(none)'}, expected application/json`;
    return this.validate(`unrouted ${dialect}`, { anyOf: this.errorSchemas.get(dialect) ?? [] }, res.text, `${where}: status ${res.status}`);
  }

  private validate(cacheKey: string, schema: unknown, text: string | undefined, where: string): string | null {
    let body: unknown;
    try {
      body = JSON.parse(text ?? '');
    } catch {
      return `${where}: the body is not JSON: ${JSON.stringify((text ?? '').slice(0, 200))}`;
    }
    let validate = this.validators.get(cacheKey);
    if (!validate) {
      validate = this.ajv.compile(toJsonSchema(schema) as object);
      this.validators.set(cacheKey, validate);
    }
    if (validate(body)) return null;
    return `${where}: the body breaks the documented schema: ${describeErrors(validate.errors ?? [])}\nbody: ${JSON.stringify(body).slice(0, 1000)}`;
  }
}

export interface CheckedResponse {
  status: number;
  headers: Record<string, string | undefined>;
  text?: string;
}

interface OperationObject {
  operationId?: string;
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}

const DOC_ID = 'openapi';
const SWAGGER_UI_ROUTES = /^\/docs(?:$|\/|-json$|-yaml$)/;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The path of a request URL (absolute or not), without query, fragment or a trailing slash. */
function requestPath(url: string): string {
  const path = new URL(url, 'http://test.invalid').pathname;
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

/** `type/subtype` of a Content-Type, lower-cased; null without one. */
function essence(contentType: string | undefined): string | null {
  if (!contentType) return null;
  return contentType.split(';')[0].trim().toLowerCase();
}

function isJson(mediaType: string): boolean {
  return mediaType === 'application/json' || mediaType.endsWith('+json');
}

/**
 * An OpenAPI 3.0 schema as JSON Schema (draft-07) for ajv: `nullable: true` becomes "or null", refs to
 * `#/components/schemas/X` point into the document's components as added to ajv, and an object that lists
 * its properties (and says nothing about others) refuses undocumented ones.
 */
export function toJsonSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toJsonSchema);
  if (!schema || typeof schema !== 'object') return schema;
  const { nullable, ...rest } = schema as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rest)) {
    if (k === '$ref' && typeof v === 'string') out[k] = v.replace(/^#\/components\/schemas\//, `${DOC_ID}#/definitions/`);
    else if (k === 'properties' || k === 'definitions') out[k] = Object.fromEntries(Object.entries(v as object).map(([p, s]) => [p, toJsonSchema(s)]));
    else if (k === 'example' || k === 'default' || k === 'enum') out[k] = v;
    else out[k] = toJsonSchema(v);
  }
  if (out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  return nullable === true ? { anyOf: [{ type: 'null' }, out] } : out;
}

function describeErrors(errors: ErrorObject[]): string {
  return errors
    .slice(0, 8)
    .map((e) => {
      const at = e.instancePath || '(root)';
      if (e.keyword === 'additionalProperties') return `${at} has the undocumented field "${(e.params as { additionalProperty: string }).additionalProperty}"`;
      return `${at} ${e.message}${e.keyword === 'enum' ? ` ${JSON.stringify((e.params as { allowedValues: unknown[] }).allowedValues)}` : ''}`;
    })
    .join('; ');
}
