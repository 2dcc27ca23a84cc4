import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { IsOneOf, OptionalNotNull } from '../../../ground/common/validation';
import { Locale, SUPPORTED_LOCALES } from '../../../ground/common/locale';
import { EmailField, NameField } from '../../../ground/common/dto-fields';
import { INVITABLE_ROLES, InvitableRole } from '../user-role';

export class CreateUserDto {
  @EmailField() email: string;
  @NameField({ max: 100, optional: true, example: 'Ada' }) firstName?: string;
  @NameField({ max: 100, optional: true, example: 'Lovelace' }) lastName?: string;
  /** The language the user is written to in; left out, it is negotiated per request. */
  @ApiPropertyOptional({ enum: SUPPORTED_LOCALES, type: String, example: 'en' }) @IsOptional() @IsOneOf(SUPPORTED_LOCALES) locale?: Locale;
}

/** POST /accounts/{id}/users: a user and its role in the account. */
export class InviteUserDto extends CreateUserDto {
  /** Default `member`. Only a caller that may manage roles (accounts:write, e.g. the owner) may give `admin`. */
  @ApiPropertyOptional({ enum: INVITABLE_ROLES, type: String, example: 'member' }) @OptionalNotNull() @IsOneOf(INVITABLE_ROLES) role?: InvitableRole;
}
