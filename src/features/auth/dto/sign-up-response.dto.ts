import { ApiProperty } from '@nestjs/swagger';

/** What sign-up echoes: the request's own fields, never stored data (the answer must not reveal whether the email was registered). */
export class SignUpUserDto {
  @ApiProperty({ example: 'user@example.com' }) email: string;
  @ApiProperty({ example: 'John' }) firstName: string;
  @ApiProperty({ example: 'Doe' }) lastName: string;
  @ApiProperty({ example: false }) isEmailVerified: false;
}

export class SignUpDataDto {
  @ApiProperty({ type: SignUpUserDto }) user: SignUpUserDto;
}

export class SignUpResponseDto {
  @ApiProperty({ example: true }) success: true;
  @ApiProperty({ example: 'Sign-up received. A verification code has been sent to the email address; submit it to POST /auth/verify-email.' })
  message: string;
  @ApiProperty({ type: SignUpDataDto }) data: SignUpDataDto;
}
