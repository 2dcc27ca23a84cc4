import { ApiProperty } from '@nestjs/swagger';

/** D5 reset answer, exactly as seed 004 gives it. */
export class PasswordResetResponseDto {
  @ApiProperty({ example: 'password reset successfully' })
  message: string;

  /** The address stored for the user (not the one typed at request time). */
  @ApiProperty({ format: 'email', example: 'user@example.com' })
  email: string;

  static create(email: string): PasswordResetResponseDto {
    return { message: 'password reset successfully', email };
  }
}
