import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, IsUUID, Length, Matches, Max, Min } from 'class-validator';
import { IsOneOf } from '../../../ground/common/validation';
import { AUDIT_EVENT_TYPES, AuditEventType } from '../../../ground/common/audit-trail';

/** An instant in ISO 8601: a date (midnight UTC) or a date and time with `Z` or an offset. */
export const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/;

export const AUDIT_PAGE_DEFAULT = 50;
export const AUDIT_PAGE_MAX = 200;

/** Query of `GET /audit-events`. Every filter is optional; given ones all apply (AND). */
export class ListAuditEventsQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Only events about this user.' })
  @IsOptional() @IsString() @IsUUID()
  user_id?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Only events in this account. An account-bound key may name only its own account.' })
  @IsOptional() @IsString() @IsUUID()
  account_id?: string;

  @ApiPropertyOptional({ enum: AUDIT_EVENT_TYPES, description: 'Only events of this type.', example: 'password.set' })
  @IsOptional() @IsString() @IsOneOf(AUDIT_EVENT_TYPES)
  type?: AuditEventType;

  @ApiPropertyOptional({ description: 'ISO 8601 instant (inclusive): events at or after it.', example: '2026-11-01T00:00:00Z' })
  @IsOptional() @IsString() @Matches(ISO_INSTANT)
  since?: string;

  @ApiPropertyOptional({ description: 'ISO 8601 instant (exclusive): events before it.', example: '2026-12-01T00:00:00Z' })
  @IsOptional() @IsString() @Matches(ISO_INSTANT)
  until?: string;

  @ApiPropertyOptional({ description: 'The `next` of the previous page, as given (opaque).' })
  @IsOptional() @IsString() @Length(1, 200, { context: { params: { min: 1, max: 200 } } })
  cursor?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: AUDIT_PAGE_MAX, default: AUDIT_PAGE_DEFAULT, description: 'Events per page.' })
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' && /^\d{1,6}$/.test(value) ? Number(value) : value))
  @IsInt() @Min(1) @Max(AUDIT_PAGE_MAX)
  limit?: number;
}
