import { ApiProperty } from '@nestjs/swagger';
import { SUPPORTED_LOCALES } from '../../common/locale';
import type { UserView } from '../users.service';
import { USER_ROLES } from '../user-role';

/** The admin view of a user. Lists its fields explicitly: no hash, no secret can slip in. */
export class UserResponseDto {
  @ApiProperty() user_id: string;
  @ApiProperty({ nullable: true, type: String }) account_id: string | null;
  @ApiProperty() email: string;
  @ApiProperty({ nullable: true, type: String }) first_name: string | null;
  @ApiProperty({ nullable: true, type: String }) last_name: string | null;
  @ApiProperty() is_email_verified: boolean;
  @ApiProperty() is_active: boolean;
  @ApiProperty() has_password: boolean;
  /** The language the user is written to in; null when not chosen. */
  @ApiProperty({ nullable: true, type: String, enum: SUPPORTED_LOCALES }) locale: string | null;
  /** The user's role in its account: owner, admin or member. */
  @ApiProperty({ enum: USER_ROLES, type: String }) role: string;
  /** A super admin (scope admin on every account). */
  @ApiProperty() is_admin: boolean;
  @ApiProperty() created_at: string;
  @ApiProperty() updated_at: string;

  static from({ user, hasPassword }: UserView): UserResponseDto {
    return {
      user_id: user.id,
      account_id: user.accountId,
      email: user.email,
      first_name: user.firstName,
      last_name: user.lastName,
      is_email_verified: user.isEmailVerified,
      is_active: user.isActive,
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
