import type { Type } from '@nestjs/common';
import { getSchemaPath, type OpenAPIObject, type OperationObject, type ReferenceObject, type SchemaObject } from '@nestjs/swagger';
import { D1ErrorDto } from '../../features/accounts/dto/set-password-response.dto';
import { D2ErrorDto } from '../../features/auth/dto/d2-error.dto';
import { ServiceErrorDto } from '../../ground/common/openapi/service-error.dto';
import {
  DomainError, InternalError, MalformedBodyError, PayloadTooLargeError, RequestValidationError, StorageUnavailableError,
} from '../../ground/common/errors/domain-errors';
import { MALFORMED_REQUEST } from '../../ground/common/openapi/admin-errors';
import { DialectId, dialectForPath, presenterFor } from '../errors/dialect-registry';
import { D3BadRequestDto, D3CodeMessageDto } from '../integrator/dto/d3-error-response.dto';
import { OAuthErrorDto } from '../../features/oauth/dto/oauth-error.dto';
import { D4_FIELD_ERRORS_SCHEMA, D4DetailErrorDto, D5ErrorDto } from '../password-reset/dto/recovery-errors.dto';

/**
 * Rules applied to the generated OpenAPI document (buildOpenApiDocument in configure-app.ts), for what
 * holds on every route and so is not repeated on each: what the request edge, the body parser and the
 * global filter answer, and that every body DTO refuses unknown fields.
 */

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** Each operation with its path and method. */
function operations(document: OpenAPIObject): Array<{ path: string; method: string; operation: OperationObject }> {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.flatMap((method) => (item[method] ? [{ path, method, operation: item[method] as OperationObject }] : [])),
  );
}

/** The error bodies of the JSON dialects, listed in the document's components (buildOpenApiDocument's extraModels). */
export const ERROR_MODELS: Array<Type<unknown>> = [
  ServiceErrorDto, D1ErrorDto, D2ErrorDto, D3BadRequestDto, D3CodeMessageDto, D4DetailErrorDto, D5ErrorDto, OAuthErrorDto,
];

/** The schema of a JSON dialect's error body at `status` (src/edge/dialects: D3 and D4 word a 400 differently from the rest). */
function errorSchema(dialect: Exclude<DialectId, 'page'>, status: number): SchemaObject | ReferenceObject {
  const ref = (model: Type<unknown>) => ({ $ref: getSchemaPath(model) });
  switch (dialect) {
    case 'service': return ref(ServiceErrorDto);
    case 'D1': return ref(D1ErrorDto);
    case 'D2': return ref(D2ErrorDto);
    case 'D3': return ref(status === 400 ? D3BadRequestDto : D3CodeMessageDto);
    case 'D4': return status === 400 ? { oneOf: [D4_FIELD_ERRORS_SCHEMA as SchemaObject, ref(D4DetailErrorDto)] } : ref(D4DetailErrorDto);
    case 'D5': return ref(D5ErrorDto);
    case 'oauth': return ref(OAuthErrorDto);
  }
}

/**
 * What any route can answer besides what its handler documents, each in the envelope of the route's
 * dialect (src/edge/errors/dialect-registry.ts), at the status that dialect gives it, with its body as the
 * example:
 * - every route: ill-formed text or a NUL in the query (the request edge, 400; docs/input-handling.md), a
 *   body over 100 kB (413) or of a media type no parser reads (415, or the dialect's 400), also sent to a
 *   route that takes none, and an unexpected failure (500; never for bad input);
 * - a route that takes a body or requires credentials (both are looked up in the database): storage
 *   unavailable (503).
 * A status the operation documents already is left as it is.
 */
export function addResponsesOfEveryRoute(document: OpenAPIObject): void {
  for (const { path, operation } of operations(document)) {
    const dialect = dialectForPath(path.replace(/\{[^}]+\}/g, 'x'));
    const cases: Array<[DomainError, string]> = [
      [new RequestValidationError([{ path: 'q', kind: 'format' }], 'query'), MALFORMED_REQUEST],
      [new InternalError(), 'An unexpected failure; nothing was changed. The service logged it with the request id (X-Request-Id).'],
    ];
    // The body parsers and the edge run before routing: a route that takes no body refuses one it cannot read as well.
    const media = operation.requestBody ? Object.keys((operation.requestBody as { content: object }).content).join(' or ') : null;
    cases.push([new PayloadTooLargeError(), media ? 'The body is larger than 100 kB.' : 'A body (this route takes none) larger than 100 kB.']);
    cases.push([new MalformedBodyError('content-type'), media ? `The body is not ${media}.` : 'A body (this route takes none) of a media type the service does not read (JSON and forms only).']);
    const requiresCredentials = (operation.security ?? []).length > 0 && !(operation.security ?? []).some((r) => Object.keys(r).length === 0);
    if (operation.requestBody || requiresCredentials) cases.push([new StorageUnavailableError(), 'Storage is unavailable; nothing was changed. Try again later.']);
    for (const [error, description] of cases) {
      const answer = presenterFor(dialect).present(error);
      const status = String(answer.status);
      if (operation.responses[status]) continue;
      operation.responses[status] = dialect === 'page'
        ? { description: `${description} A page saying so.`, content: { 'text/html': { schema: { type: 'string' } } } }
        : { description, content: { 'application/json': { schema: errorSchema(dialect, answer.status), example: answer.body } } };
    }
    operation.responses = sortedByStatus(operation.responses);
  }
}

function sortedByStatus(responses: OperationObject['responses']): OperationObject['responses'] {
  return Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * Every request body given by a DTO refuses unknown fields (the global ValidationPipe's
 * forbidNonWhitelisted; SECURITY.md G4): its schema, and those of the objects nested in it, say
 * `additionalProperties: false`. Inline schemas (the OAuth token request, which ignores unknown
 * parameters as RFC 6749 §3.2 requires) are left open.
 */
export function refuseUnknownBodyFields(document: OpenAPIObject): void {
  const schemas = (document.components?.schemas ?? {}) as Record<string, SchemaObject>;
  const closed = new Set<string>();
  const close = (schema: SchemaObject | ReferenceObject | undefined): void => {
    if (!schema) return;
    if ('$ref' in schema) {
      const name = schema.$ref.replace('#/components/schemas/', '');
      if (closed.has(name) || !schemas[name]) return;
      closed.add(name);
      const target = schemas[name];
      if (target.properties && target.additionalProperties === undefined) target.additionalProperties = false;
      close(target);
      return;
    }
    for (const nested of [...Object.values(schema.properties ?? {}), schema.items, ...(schema.allOf ?? []), ...(schema.oneOf ?? []), ...(schema.anyOf ?? [])]) close(nested);
  };
  for (const { operation } of operations(document)) {
    const body = operation.requestBody as { content?: Record<string, { schema?: SchemaObject | ReferenceObject }> } | undefined;
    for (const media of Object.values(body?.content ?? {})) if (media.schema && '$ref' in media.schema) close(media.schema);
  }
}

