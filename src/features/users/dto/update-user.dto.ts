import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional } from 'class-validator';
import { IsOneOf, OptionalNotNull } from '../../../ground/common/validation';
import { Locale, SUPPORTED_LOCALES } from '../../../ground/common/locale';
import { USER_ROLES, UserRole } from '../user-role';

/** PATCH /users/{id}: the fields an administrator may change. A field left out stays as it is. */
export class UpdateUserDto {
  /** The language the user is written to in; null clears it (the language is then negotiated per request). */
  @ApiPropertyOptional({ enum: SUPPORTED_LOCALES, type: String, nullable: true, example: 'de' })
  @IsOptional() @IsOneOf(SUPPORTED_LOCALES)
  locale?: Locale | null;

  /**
   * The user's role in its account (a caller that may manage roles: accounts:write, e.g. the owner).
   * `owner` transfers ownership: the previous owner becomes `admin`. The owner's own role changes only that way (409).
   */
  @ApiPropertyOptional({ enum: USER_ROLES, type: String, example: 'admin' })
  @OptionalNotNull() @IsOneOf(USER_ROLES)
  role?: UserRole;

  /** Super admin: its access token acts with scope admin on every account. Only a global admin caller may set it. */
  @ApiPropertyOptional({ type: Boolean, example: false })
  @OptionalNotNull() @IsBoolean()
  isAdmin?: boolean;

  /**
   * Disabled: every session ends, outstanding invitation, verification and recovery secrets die, login with
   * the right password answers 403 USER_DISABLED, recovery mails nothing. False enables the user again.
   */
  @ApiPropertyOptional({ type: Boolean, example: true })
  @OptionalNotNull() @IsBoolean()
  disabled?: boolean;
}
