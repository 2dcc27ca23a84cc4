import { applyDecorators, ArgumentMetadata, Logger, ValidationError, ValidationPipe } from '@nestjs/common';
import { IsIn, ValidateBy, ValidateIf, ValidationOptions } from 'class-validator';
import { DomainError, FieldIssue, InputSource, RequestValidationError } from './errors/domain-errors';

const TYPE_CONSTRAINTS: Record<string, string> = {
  isString: 'string', isObject: 'object', isBoolean: 'boolean', isInt: 'integer', isNumber: 'number', isArray: 'array', nestedValidation: 'object',
};

/**
 * class-validator's IsIn that also names its values to the dialects (a FieldIssue of kind `choice` with
 * `allowed`), so a value outside the list is answered with the list ("locale must be one of: de, en, …")
 * rather than a type. With `{ each: true }`, every item of an array is held to the list.
 */
export function IsOneOf(values: readonly string[], options: ValidationOptions = {}): PropertyDecorator {
  const params = { allowed: values.join(', '), ...(options.each ? { each: 1 } : {}) };
  return IsIn([...values], { ...options, context: { params } });
}

/**
 * A field that may be left out but, when sent, is validated as given: unlike class-validator's IsOptional, which
 * also skips `null`, so `{"role": null}` reached the service as if it were a role. A null is refused in the terms of
 * the field's other rules ("role must be one of: …", "isAdmin must be a boolean"), not as missing.
 */
export function OptionalNotNull(): PropertyDecorator {
  return applyDecorators(
    ValidateIf((_object: unknown, value: unknown) => value !== undefined),
    ValidateBy({ name: NOT_NULL, validator: { validate: (value: unknown) => value !== null } }),
  );
}
const NOT_NULL = 'isNotNull';

/** Flattens class-validator's tree into field issues with dotted paths; dialects word them. */
export function toFieldIssues(errors: ValidationError[], prefix = ''): FieldIssue[] {
  const issues: FieldIssue[] = [];
  for (const e of errors) {
    const path = prefix ? `${prefix}.${e.property}` : e.property;
    const constraints = e.constraints ?? {};
    const names = Object.keys(constraints);
    if (names.length > 0) issues.push(classify(path, e.value, names, e.contexts));
    if (e.children?.length) issues.push(...toFieldIssues(e.children, path));
  }
  return issues;
}

function classify(path: string, value: unknown, names: string[], contexts?: Record<string, { params?: Record<string, number | string> }>): FieldIssue {
  if (names.includes('whitelistValidation')) return { path, kind: 'unknown' };
  // A null sent for an OptionalNotNull field is a value of the wrong kind, not a missing one.
  if (value === undefined || (value === null && !names.includes(NOT_NULL))) return { path, kind: 'required' };
  const typeName = names.find((n) => n in TYPE_CONSTRAINTS);
  if (typeName) return { path, kind: 'type', params: { expected: TYPE_CONSTRAINTS[typeName] } };
  const choiceName = names.find((n) => n === 'isIn' || n === 'isEnum');
  if (choiceName) return { path, kind: 'choice', params: contexts?.[choiceName]?.params ?? {} };
  const sizeName = names.find((n) => ['isNotEmpty', 'isNotBlank', 'minLength', 'maxLength', 'isLength', 'length', 'arrayMinSize', 'arrayMaxSize', 'arrayNotEmpty'].includes(n));
  if (sizeName) return { path, kind: 'size', params: contexts?.[sizeName]?.params ?? contexts?.length?.params ?? {} };
  if (names.some((n) => ['min', 'max'].includes(n))) return { path, kind: 'range' };
  if (names.includes('isEmail')) return { path, kind: 'format', params: { format: 'email address' } };
  const formatName = names.find((n) => n.startsWith('is') || n === 'matches');
  // A validator may name its format in its context (e.g. isLinkTemplate), so the message can say what is expected.
  if (formatName) return { path, kind: 'format', ...(contexts?.[formatName]?.params ? { params: contexts[formatName].params } : {}) };
  return { path, kind: 'invalid' };
}

/**
 * Strict input: unknown fields are rejected (SECURITY.md G4), no implicit type conversion (G3),
 * and failures become RequestValidationError for the dialect presenters.
 */
export function createValidationPipe(): ValidationPipe {
  return new InputValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    forbidUnknownValues: true,
    stopAtFirstError: false,
    exceptionFactory: (errors) => new RequestValidationError(toFieldIssues(errors)),
  });
}

/**
 * ValidationPipe that never turns input into a 500: if class-transformer or a validator throws on
 * some input (rather than reporting it), the parameter is answered as invalid (kind `invalid`, path
 * the parameter's name or `body`) and the failure is logged without the value. The request edge
 * (request-edge.ts) already keeps the known triggers (deep nesting, ill-formed text) out.
 */
class InputValidationPipe extends ValidationPipe {
  private readonly log = new Logger('Validation');

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    try {
      return await super.transform(value, metadata);
    } catch (err) {
      if (err instanceof RequestValidationError) throw new RequestValidationError(err.issues, sourceOf(metadata));
      if (err instanceof DomainError) throw err;
      this.log.warn({ err: { name: (err as Error)?.name } }, `validator threw on ${metadata.type} input`);
      throw new RequestValidationError([{ path: metadata.data ?? metadata.type, kind: 'invalid' }], sourceOf(metadata));
    }
  }
}

/** Where a pipe's parameter comes from (@Query, @Param; @Body and custom decorators read the body). */
function sourceOf(metadata: ArgumentMetadata): InputSource {
  return metadata.type === 'query' ? 'query' : metadata.type === 'param' ? 'path' : 'body';
}
