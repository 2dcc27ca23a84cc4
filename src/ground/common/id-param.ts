import { Param, PipeTransform } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import type { DomainError } from './errors/domain-errors';

/**
 * The shape of every id the service issues: a UUID (`randomUUID()`, stored as varchar(36)). Any case is
 * accepted here; ids are stored lower-case, so an upper-case one simply finds nothing.
 */
export const ID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Refuses a path id that is not shaped like one with the route's own "not found", before any query. */
export class IdShapePipe implements PipeTransform<string, string> {
  constructor(private readonly notFound: new () => DomainError) {}

  transform(value: string): string {
    if (typeof value !== 'string' || !ID_SHAPE.test(value)) throw new this.notFound();
    return value;
  }
}

/**
 * `@IdParam('user_id', UserNotFoundError) userId: string`: the path parameter `name`, a UUID, or the
 * route's not-found error (a malformed id names nothing, so it is answered like an unknown one).
 * Documents the parameter as `format: uuid`.
 */
export function IdParam(name: string, notFound: new () => DomainError, doc: { description?: string; example?: string } = {}): ParameterDecorator {
  const param = Param(name, new IdShapePipe(notFound));
  return (target, propertyKey, index) => {
    param(target, propertyKey, index);
    if (propertyKey === undefined) return;
    const descriptor = Object.getOwnPropertyDescriptor(target, propertyKey);
    if (descriptor) ApiParam({ name, type: String, format: 'uuid', ...doc })(target, propertyKey, descriptor);
  };
}
