import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDefined, IsEmail, IsOptional, IsString, Length } from 'class-validator';

interface StringFieldOptions {
  min?: number;
  max: number;
  optional?: boolean;
  description?: string;
  example?: string;
}

/**
 * A string body field: present (unless optional), a string (never coerced), with a length range
 * that dialects can report (`params.min` / `params.max`).
 */
export function StringField(o: StringFieldOptions): PropertyDecorator {
  const min = o.min ?? 1;
  const doc = { type: String, minLength: min, maxLength: o.max, description: o.description, example: o.example };
  return applyDecorators(
    o.optional ? IsOptional() : IsDefined(),
    IsString(),
    Length(min, o.max, { context: { params: { min, max: o.max } } }),
    o.optional ? ApiPropertyOptional(doc) : ApiProperty(doc),
  );
}

/** An email address field (one address, a string; SECURITY.md C6). */
export function EmailField(o: { optional?: boolean; description?: string } = {}): PropertyDecorator {
  const doc = { type: String, format: 'email', maxLength: 320, description: o.description, example: 'user@example.com' };
  return applyDecorators(
    o.optional ? IsOptional() : IsDefined(),
    IsString(),
    Length(3, 320, { context: { params: { min: 3, max: 320 } } }),
    IsEmail({ allow_display_name: false, allow_ip_domain: false, require_tld: false }),
    o.optional ? ApiPropertyOptional(doc) : ApiProperty(doc),
  );
}
