import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { IsOneOf } from '../../../ground/common/validation';
import { Locale, SUPPORTED_LOCALES } from '../../../ground/common/locale';
import { EmailField, NameField, StringField } from '../../../ground/common/dto-fields';

export class SignUpDto {
  @EmailField() email: string;
  @NameField({ max: 100, example: 'John' }) firstName: string;
  @NameField({ max: 100, example: 'Doe' }) lastName: string;
  /**
   * Join this account (its password policy then applies), when the account allows self sign-up for this address
   * (else 403 SIGN_UP_CLOSED); without it the service default policy applies.
   */
  // No example value: Swagger UI would pre-fill it, and a made-up account id is refused.
  @StringField({ max: 36, optional: true, description: 'The id of an account that allows self sign-up; omit to sign up without an account.' }) account_id?: string;
  /** The language to write to the user in; left out, the verification email follows the request's Accept-Language, and pages negotiate per request. */
  @ApiPropertyOptional({ enum: SUPPORTED_LOCALES, type: String, example: 'en' }) @IsOptional() @IsOneOf(SUPPORTED_LOCALES) locale?: Locale;
}
