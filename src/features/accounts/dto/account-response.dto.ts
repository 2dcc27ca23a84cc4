import { ApiProperty } from '@nestjs/swagger';
import type { PasswordPolicy } from '../../../core/password/password-policy';
import type { Account } from '../../../core/entities/account.entity';
import { AccountLinksResponseDto } from './account-links.dto';
import { PasswordPolicyDto } from './password-policy.dto';

export class CreatedAccountDto {
  @ApiProperty({ format: 'uuid', example: '3f6c2a4e-8b1d-4c5e-9a7f-2d4b6e8f0a13' }) account_id: string;
  @ApiProperty({ description: "The account's name", example: 'Acme Logistics GmbH' }) account: string;
  @ApiProperty({ format: 'uuid', description: "The owner's user id", example: '9b2e7d41-5c3a-4f86-b0d9-1e7a3c5f8b24' }) user_id: string;
}
export class CreatedAccountEnvelopeDto {
  @ApiProperty({ type: CreatedAccountDto }) data: CreatedAccountDto;
}

export class AccountDto {
  @ApiProperty({ format: 'uuid', example: '3f6c2a4e-8b1d-4c5e-9a7f-2d4b6e8f0a13' }) account_id: string;
  @ApiProperty({ description: "The account's name", example: 'Acme Logistics GmbH' }) account: string;
  @ApiProperty({ type: PasswordPolicyDto }) passwordPolicy: PasswordPolicy;
  /** The account's own link templates for its users' emails and its sign-in address; null: the configured one. */
  @ApiProperty({ type: AccountLinksResponseDto, description: "The account's own link templates for its users' emails, and where its users sign in (`sign_in`); null: the configured one." }) links: AccountLinksResponseDto;
  /** Anyone may join by self sign-up. */
  @ApiProperty({ type: Boolean, description: 'Anyone may join by self sign-up (POST /auth/signup with this account_id).', example: false }) selfSignUp: boolean;
  /** Email domains whose addresses may join by self sign-up. */
  @ApiProperty({ type: [String], description: 'Email domains whose addresses may join by self sign-up (exact match).', example: ['acme.example'] }) signUpDomains: string[];
  @ApiProperty({ format: 'date-time', example: '2026-03-14T09:26:53.000Z' }) created_at: string;
  @ApiProperty({ format: 'date-time', example: '2026-04-02T16:05:11.000Z' }) updated_at: string;

  static from(a: Account): AccountDto {
    return {
      account_id: a.id, account: a.name, passwordPolicy: a.passwordPolicy, links: AccountLinksResponseDto.from(a),
      selfSignUp: a.selfSignUp, signUpDomains: [...a.signUpDomains],
      created_at: a.createdAt.toISOString(), updated_at: a.updatedAt.toISOString(),
    };
  }
}
export class AccountEnvelopeDto {
  @ApiProperty({ type: AccountDto }) data: AccountDto;
}

/** One page of `GET /accounts`, newest first. */
export class AccountPageDto {
  @ApiProperty({ type: [AccountDto] }) data: AccountDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last page.', example: null }) next: string | null;
}
