import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDefined, IsObject, IsOptional, ValidateNested } from 'class-validator';
import { NameField } from '../../common/dto-fields';
import { CreateUserDto } from '../../users/dto/create-user.dto';
import { AccountLinksDto } from './account-links.dto';
import { PasswordPolicyDto } from './password-policy.dto';

export class CreateAccountDto {
  @NameField({ max: 200, example: 'Acme Corp' }) name: string;

  /** The account's first user; receives an invitation email with a D1 set-password token. */
  @ApiProperty({ type: CreateUserDto })
  @IsDefined() @IsObject() @ValidateNested() @Type(() => CreateUserDto)
  owner: CreateUserDto;

  /** Partial policies are completed from the service default. */
  @ApiPropertyOptional({ type: PasswordPolicyDto })
  @IsOptional() @IsObject() @ValidateNested() @Type(() => PasswordPolicyDto)
  passwordPolicy?: PasswordPolicyDto;

  /** The account's own link templates for its users' emails (`{code}` once in each) and sign-in address; left out: the configured ones. */
  @ApiPropertyOptional({ type: AccountLinksDto })
  @IsOptional() @IsObject() @ValidateNested() @Type(() => AccountLinksDto)
  links?: AccountLinksDto;
}
