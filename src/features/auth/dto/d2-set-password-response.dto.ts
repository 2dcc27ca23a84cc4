import { ApiProperty } from '@nestjs/swagger';
import type { User } from '../../../core/entities/user.entity';

/**
 * The seed's User, listed field by field: no hash, no secret. The seed's example calls the
 * verification flag `isEmailVerified` and its schema `isVerified`; both are sent. This service links
 * no social logins and has no super admins, so those fields are always null / false.
 */
export class D2UserDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'email' }) email: string;
  @ApiProperty({ nullable: true, type: String, example: 'John' }) firstName: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'Doe' }) lastName: string | null;
  @ApiProperty({ description: 'Email verification status (the seed example\'s name)' }) isEmailVerified: boolean;
  @ApiProperty({ description: 'Email verification status (the seed schema\'s name)' }) isVerified: boolean;
  @ApiProperty() hasPassword: boolean;
  @ApiProperty() isActive: boolean;
  @ApiProperty({ example: false }) isAdmin: false;
  @ApiProperty({ nullable: true, type: String, example: null }) googleId: null;
  @ApiProperty({ nullable: true, type: String, example: null }) linkedinId: null;
  @ApiProperty({ nullable: true, type: String, example: null }) facebookId: null;
  @ApiProperty({ enum: ['email', 'google', 'linkedin', 'facebook'], example: 'email' }) provider: string;
  @ApiProperty({ nullable: true, type: String, example: null }) providerId: null;
  @ApiProperty({ nullable: true, type: String, example: null }) profilePicture: null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;

  static from(user: User, hasPassword: boolean): D2UserDto {
    return {
      id: user.id,
      email: user.email,
      firstName: user.firstName,
      lastName: user.lastName,
      isEmailVerified: user.isEmailVerified,
      isVerified: user.isEmailVerified,
      hasPassword,
      isActive: user.isActive,
      isAdmin: false,
      googleId: null,
      linkedinId: null,
      facebookId: null,
      provider: user.provider,
      providerId: null,
      profilePicture: null,
      createdAt: user.createdAt.toISOString(),
      updatedAt: user.updatedAt.toISOString(),
    };
  }
}

export class D2SetPasswordDataDto {
  /** Access JWT (Bearer). */
  @ApiProperty() token: string;
  /** Refresh token for POST /auth/refresh. */
  @ApiProperty() refreshToken: string;
  @ApiProperty({ type: D2UserDto }) user: D2UserDto;
}

export class D2SetPasswordResponseDto {
  @ApiProperty({ example: true }) success: true;
  @ApiProperty({ example: 'Password set successfully' }) message: string;
  @ApiProperty({ type: D2SetPasswordDataDto }) data: D2SetPasswordDataDto;
}
