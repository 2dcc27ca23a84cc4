import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsDefined, IsObject, IsOptional, IsString, MaxLength, ValidateNested } from 'class-validator';
import { NameField } from '../../../ground/common/dto-fields';
import { CreateUserDto } from '../../users/dto/create-user.dto';
import { AccountLinksDto } from './account-links.dto';
import { IsSignUpDomain, SIGN_UP_DOMAINS_MAX } from './account-sign-up.dto';
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

  /** Anyone may join by self sign-up (POST /auth/signup with this account's id); default false. */
  @ApiPropertyOptional({ type: Boolean, example: false })
  @IsOptional() @IsBoolean()
  selfSignUp?: boolean;

  /** Email domains whose addresses may join by self sign-up (exact match); default none. */
  @ApiPropertyOptional({ type: [String], maxItems: SIGN_UP_DOMAINS_MAX, example: [] })
  @IsOptional() @IsArray() @ArrayMaxSize(SIGN_UP_DOMAINS_MAX) @IsString({ each: true }) @MaxLength(253, { each: true }) @IsSignUpDomain()
  signUpDomains?: string[];
}
