import { ApiProperty } from '@nestjs/swagger';

export class SessionTokenDto {
  @ApiProperty({ description: 'Access JWT (Authorization: Bearer)' }) access_token: string;
  @ApiProperty({ description: 'Lifetime of the access token in seconds', example: 900 }) expires_in: number;
  @ApiProperty({ example: 'Bearer' }) token_type: 'Bearer';
  @ApiProperty({ description: 'Rotated on every use of POST /auth/refresh' }) refresh_token: string;
  @ApiProperty({ example: 'password-lifecycle' }) client_id: string;
  @ApiProperty({ example: 'user' }) scope: string;
}

/** `{"token":{...}}`: login, refresh (and D4). */
export class TokenResponseDto {
  @ApiProperty({ type: SessionTokenDto }) token: SessionTokenDto;
}
