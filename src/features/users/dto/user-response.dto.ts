import { ApiProperty } from '@nestjs/swagger';
import { SUPPORTED_LOCALES } from '../../../ground/common/locale';
import type { UserView } from '../users.service';
import { USER_ROLES } from '../user-role';

/** The admin view of a user. Lists its fields explicitly: no hash, no secret can slip in. */
export class UserResponseDto {
  @ApiProperty({ format: 'uuid', example: '9b2e7d41-5c3a-4f86-b0d9-1e7a3c5f8b24' }) user_id: string;
  @ApiProperty({ nullable: true, type: String, format: 'uuid', example: '3f6c2a4e-8b1d-4c5e-9a7f-2d4b6e8f0a13' }) account_id: string | null;
  @ApiProperty({ format: 'email', example: 'jane.doe@acme.example' }) email: string;
  @ApiProperty({ nullable: true, type: String, example: 'Jane' }) first_name: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'Doe' }) last_name: string | null;
  @ApiProperty({ example: true }) is_email_verified: boolean;
  @ApiProperty({ example: true }) is_active: boolean;
  /** Disabled by an administrator (PATCH /users/{id} {"disabled":true}): cannot sign in, no mail, no password set. */
  @ApiProperty({ example: false, description: 'Disabled by an administrator: cannot sign in or reset, and is sent nothing.' }) disabled: boolean;
  @ApiProperty({ example: false }) has_password: boolean;
  /** The language the user is written to in; null when not chosen. */
  @ApiProperty({ nullable: true, type: String, enum: SUPPORTED_LOCALES, example: 'de', description: 'The language the user is written to in; null when not chosen.' }) locale: string | null;
  /** The user's role in its account: owner, admin or member. */
  @ApiProperty({ enum: USER_ROLES, type: String, example: 'member', description: "The user's role in its account: owner, admin or member." }) role: string;
  /** A super admin (scope admin on every account). */
  @ApiProperty({ example: false, description: 'A super admin (scope admin on every account).' }) is_admin: boolean;
  @ApiProperty({ format: 'date-time', example: '2026-03-14T09:26:53.000Z' }) created_at: string;
  @ApiProperty({ format: 'date-time', example: '2026-04-02T16:05:11.000Z' }) updated_at: string;

  static from({ user, hasPassword }: UserView): UserResponseDto {
    return {
      user_id: user.id,
      account_id: user.accountId,
      email: user.email,
      first_name: user.firstName,
      last_name: user.lastName,
      is_email_verified: user.isEmailVerified,
      is_active: user.isActive,
      disabled: !user.isActive,
      has_password: hasPassword,
      locale: user.locale ?? null,
      role: user.role,
      is_admin: user.isAdmin,
      created_at: user.createdAt.toISOString(),
      updated_at: user.updatedAt.toISOString(),
    };
  }
}

export class UserEnvelopeDto {
  @ApiProperty({ type: UserResponseDto }) data: UserResponseDto;
}
