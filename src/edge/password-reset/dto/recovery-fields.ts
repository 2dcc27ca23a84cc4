import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDefined, IsEmail, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';

/**
 * Body fields of the D4/D5 routes. Unlike StringField's single Length rule, an empty string and an
 * overlong one fail different rules (`isNotEmpty` with params {min: 1}, `maxLength` with {max}), so
 * the presenters can word "required"/"may not be blank" apart from "too long": D5's seed answers
 * `code and new_password are required` for an empty field too.
 */
export function RequiredText(o: { max: number; description?: string; example?: string; optional?: boolean; format?: string }): PropertyDecorator {
  const doc = { type: String, minLength: 1, maxLength: o.max, description: o.description, example: o.example, ...(o.format ? { format: o.format } : {}) };
  return applyDecorators(
    o.optional ? IsOptional() : IsDefined(),
    IsString(),
    IsNotEmpty({ context: { params: { min: 1 } } }),
    MaxLength(o.max, { context: { params: { max: o.max } } }),
    o.optional ? ApiPropertyOptional(doc) : ApiProperty(doc),
  );
}

/** One email address, a string (never a list or an object: SECURITY.md C6). */
export function RecoveryEmail(o: { optional?: boolean; description?: string } = {}): PropertyDecorator {
  return applyDecorators(
    RequiredText({ max: 320, optional: o.optional, description: o.description, example: 'user@example.com', format: 'email' }),
    IsEmail({ allow_display_name: false, allow_ip_domain: false, require_tld: false }),
  );
}

/** Long enough for any policy (maxLength ≤ 1024 code points); the policy gives the real limit. Bodies are capped at 100 kB anyway. */
export const PASSWORD_FIELD_MAX = 4096;
