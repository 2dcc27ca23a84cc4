import { ApiProperty } from '@nestjs/swagger';

export class VerifyEmailDataDto {
  /** Email-verification JWT for POST /auth/setpassword (Authorization: Bearer); valid 15 minutes, usable once. */
  @ApiProperty({ example: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9...' }) token: string;
}

export class VerifyEmailResponseDto {
  @ApiProperty({ example: true }) success: true;
  @ApiProperty({ type: VerifyEmailDataDto }) data: VerifyEmailDataDto;
}
