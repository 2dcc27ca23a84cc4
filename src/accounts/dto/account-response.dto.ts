import { ApiProperty } from '@nestjs/swagger';
import type { PasswordPolicy } from '../../password/password-policy';
import type { Account } from '../account.entity';
import { AccountLinksResponseDto } from './account-links.dto';
import { PasswordPolicyDto } from './password-policy.dto';

export class CreatedAccountDto {
  @ApiProperty() account_id: string;
  @ApiProperty({ description: "The account's name" }) account: string;
  @ApiProperty({ description: "The owner's user id" }) user_id: string;
}
export class CreatedAccountEnvelopeDto {
  @ApiProperty({ type: CreatedAccountDto }) data: CreatedAccountDto;
}

export class AccountDto {
  @ApiProperty() account_id: string;
  @ApiProperty() account: string;
  @ApiProperty({ type: PasswordPolicyDto }) passwordPolicy: PasswordPolicy;
  /** The account's own link templates for its users' emails; null: the configured template. */
  @ApiProperty({ type: AccountLinksResponseDto }) links: AccountLinksResponseDto;
  @ApiProperty() created_at: string;
  @ApiProperty() updated_at: string;

  static from(a: Account): AccountDto {
    return {
      account_id: a.id, account: a.name, passwordPolicy: a.passwordPolicy, links: AccountLinksResponseDto.from(a.links),
      created_at: a.createdAt.toISOString(), updated_at: a.updatedAt.toISOString(),
    };
  }
}
export class AccountEnvelopeDto {
  @ApiProperty({ type: AccountDto }) data: AccountDto;
}
