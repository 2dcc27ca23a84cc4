import { ApiProperty } from '@nestjs/swagger';
import type { User } from '../../users/user.entity';

/** The seed's User, listed field by field: no hash, no secret. */
export class D2UserDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'email' }) email: string;
  @ApiProperty({ nullable: true, type: String, example: 'John' }) firstName: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'Doe' }) lastName: string | null;
  @ApiProperty() isEmailVerified: boolean;
  @ApiProperty() hasPassword: boolean;
  @ApiProperty() isActive: boolean;
  @ApiProperty({ enum: ['email', 'google', 'linkedin', 'facebook'], example: 'email' }) provider: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;

  static from(user: User, hasPassword: boolean): D2UserDto {
    return {
      id: user.id,
      email: user.email,
      firstName: user.firstName,
      lastName: user.lastName,
      isEmailVerified: user.isEmailVerified,
      hasPassword,
      isActive: user.isActive,
      provider: user.provider,
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
