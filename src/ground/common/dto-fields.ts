import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDefined, IsEmail, IsOptional, IsString, Length, Matches, ValidateBy } from 'class-validator';

interface StringFieldOptions {
  min?: number;
  max: number;
  optional?: boolean;
  description?: string;
  example?: string;
  /** For the OpenAPI document only: the ECMA-262 pattern the value matches (the validators decide). */
  pattern?: string;
}

/**
 * A string body field: present (unless optional), a string (never coerced), with a length range
 * that dialects can report (`params.min` / `params.max`).
 */
export function StringField(o: StringFieldOptions): PropertyDecorator {
  const min = o.min ?? 1;
  const doc = { type: String, minLength: min, maxLength: o.max, description: o.description, example: o.example, ...(o.pattern ? { pattern: o.pattern } : {}) };
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

/**
 * Characters that show nothing on their own: white space and separators (\p{White_Space}, \p{Z}),
 * format characters such as the BOM U+FEFF and zero-width spaces (\p{Cf}), controls (\p{Cc}).
 */
const INVISIBLE = /^[\p{White_Space}\p{Z}\p{Cf}\p{Cc}]*$/u;
/** Control characters (C0, DEL, C1): never part of a name people read (a line break would forge mail and log lines). */
const CONTROL = /^[^\p{Cc}]*$/u;

/** True when `s` has at least one character a person can see. */
export function isVisibleText(s: unknown): boolean {
  return typeof s === 'string' && !INVISIBLE.test(s);
}

/** The character rules of a name, in words, for the OpenAPI document. */
export const NAME_RULE =
  'At least one visible character (not only white space, separators or invisible format characters such as U+FEFF or zero-width spaces); ' +
  'no control characters (U+0000–U+001F, U+007F–U+009F).';

/**
 * NAME_RULE as the OpenAPI document's `pattern` (ECMA-262, no flags needed): a visible character somewhere,
 * no control character anywhere. The validators decide (isVisibleText counts every format character,
 * \p{Cf}, as invisible; the pattern names the common ones), so the pattern is the documentation.
 */
export const NAME_PATTERN = '^(?=[\\s\\S]*[^\\s\\u00AD\\u180E\\u200B-\\u200F\\u202A-\\u202E\\u2060-\\u2064\\u2066-\\u206F\\uFEFF])[^\\u0000-\\u001F\\u007F-\\u009F]*$';

/**
 * A name people read (account, API key, first and last name): a StringField that must show at least
 * one visible character (not empty, blank, or only a BOM / zero-width characters: kind `size`,
 * params {min: 1}) and holds no control character (kind `format`). Documented with NAME_RULE and NAME_PATTERN.
 */
export function NameField(o: StringFieldOptions): PropertyDecorator {
  return applyDecorators(
    StringField({ ...o, description: o.description ? `${o.description} ${NAME_RULE}` : NAME_RULE, pattern: NAME_PATTERN }),
    ValidateBy({ name: 'isNotBlank', validator: { validate: isVisibleText } }, { message: '$property must not be blank', context: { params: { min: 1 } } }),
    Matches(CONTROL),
  );
}
